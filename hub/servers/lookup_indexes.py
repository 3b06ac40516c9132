"""Indexes that FerretDB's own lookups can use, added to the PostgreSQL under it.

FerretDB 1.24 keeps each collection as a table of jsonb documents and each MongoDB index as a
B-tree on `(_jsonb -> 'field')`. But the query it sends for `{field: value}` (`_id` included) is
`_jsonb -> $1 @> $2`: containment, with the field name as a parameter, which no B-tree serves.
So every read by `_id`, and every update or delete (each starts with that read), scanned the
whole table: about 1 ms per 2,000 documents, 14 ms at 10,000 (measured; DESIGN.md "Local
servers"). A GIN index on the same expression serves containment, and once PostgreSQL plans each
execution with its parameters filled in (`plan_cache_mode = force_custom_plan`), the
parameterised field name is a constant the planner matches against the index.

An event trigger gives every B-tree that FerretDB creates from here on a GIN twin; existing ones
get theirs when this runs. Nothing changes for MongoDB itself (production), where the same
lookups already use their indexes. Idempotent: run on every start."""

from __future__ import annotations

LOOKUP_INDEXES_SQL = r"""
CREATE OR REPLACE FUNCTION hub_add_lookup_index(btree oid) RETURNS void
LANGUAGE plpgsql AS $body$
DECLARE
    found record;
    field text;
BEGIN
    SELECT i.indrelid::regclass AS table_name, c.relname AS index_name, am.amname AS method,
           pg_get_indexdef(i.indexrelid, 1, true) AS first_key
      INTO found
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam
     WHERE i.indexrelid = btree;
    IF found IS NULL OR found.method <> 'btree' THEN
        RETURN;
    END IF;
    field := substring(found.first_key from '^\(?_jsonb -> ''([^'']+)''::text\)?$');
    IF field IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L)) '
                   'WITH (fastupdate = off)',
                   left(found.index_name, 59) || '_gin', found.table_name, field);
END
$body$;

CREATE OR REPLACE FUNCTION hub_lookup_indexes_on_create() RETURNS event_trigger
LANGUAGE plpgsql AS $body$
DECLARE
    command record;
BEGIN
    FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands()
                    WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
        PERFORM hub_add_lookup_index(command.objid);
    END LOOP;
END
$body$;

DROP EVENT TRIGGER IF EXISTS hub_lookup_indexes;
CREATE EVENT TRIGGER hub_lookup_indexes ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
    EXECUTE FUNCTION hub_lookup_indexes_on_create();

SELECT hub_add_lookup_index(i.indexrelid)
  FROM pg_index i
  JOIN pg_class t ON t.oid = i.indrelid
 WHERE t.relnamespace IN (SELECT relnamespace FROM pg_class
                           WHERE relname = '_ferretdb_database_metadata');

DO $body$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan',
                   current_database());
END
$body$;
"""
