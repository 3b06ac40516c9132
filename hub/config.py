"""All settings of the hub, read from the environment (prefix ``HUB_``, nested with ``__``).

Defaults work on a laptop: the MongoDB and Elasticsearch URLs point at the local servers that
``hub services up`` starts, so ``hub serve`` needs no configuration at all.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.vision.settings import VisionSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_SIGNING_SECRET = "development-only-signing-secret"
MIN_SECRET_LENGTH = 32


def _checkout_slug() -> str:
    """A short name for this checkout, so two checkouts keep their server data apart."""
    digest = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:10]
    return f"{PROJECT_ROOT.name}-{digest}"


class SeaweedFSSettings(BaseModel):
    """The local S3 server (`hub services up --with s3`): master, volume server, filer and S3
    gateway each listen on a port of their own on 127.0.0.1, and on that port + 10000 (gRPC)."""

    master_port: int = 19334
    volume_port: int = 18081
    filer_port: int = 18889
    s3_port: int = 18334
    # Prometheus metrics of all four (HTTP only): requests per bucket and kind, for operators
    # and for the tests that count what the hub asks of the bucket.
    metrics_port: int = 19327
    # The one identity the local S3 gateway accepts (loopback only, development only).
    access_key_id: str = "hub-local"
    secret_access_key: str = "hub-local-secret"
    volume_size_limit_mb: int = 256


class ServerSettings(BaseModel):
    """Where and how the local PostgreSQL, FerretDB and Elasticsearch servers run.

    Server data lives outside the checkout by default: PostgreSQL and Elasticsearch refuse to run
    as root, and their system users cannot enter a checkout under a private home such as /root.
    """

    home: Path = Path("/var/tmp/product-asset-hub")
    instance: str = Field(default_factory=_checkout_slug)
    postgres_port: int = 55432
    ferretdb_port: int = 27117
    elasticsearch_port: int = 9217
    elasticsearch_version: str = "8.19.21"
    elasticsearch_heap: str = "512m"
    elasticsearch_user: str = "hub-es"
    java_home: Path = Path("/usr/lib/jvm/java-17-openjdk-amd64")
    postgres_bin: Path = Path("/usr/lib/postgresql/15/bin")
    start_timeout_seconds: float = 90.0
    # A cluster of several Elasticsearch nodes on loopback beside the single node, for failover
    # tests (`hub services up --with es-cluster`, or true here): node n answers HTTP on
    # es_cluster_port + n - 1 and talks to the others on that port + 100; each has a heap of
    # elasticsearch_heap. Only the first node is master-eligible (see hub/servers/es_cluster.py).
    es_cluster: bool = False
    es_cluster_size: int = Field(default=2, ge=2, le=9)
    es_cluster_port: int = 9230
    seaweedfs: SeaweedFSSettings = Field(default_factory=SeaweedFSSettings)

    @property
    def cache_dir(self) -> Path:
        """Downloads and builds shared by every checkout on this machine."""
        return self.home / "cache"

    @property
    def instance_dir(self) -> Path:
        """Data, logs and pid files of this checkout's servers."""
        return self.home / "instances" / self.instance


class S3Settings(BaseModel):
    """An S3-compatible blob store. Empty endpoint and keys mean the local SeaweedFS that
    `hub services up --with s3` runs; empty keys with another endpoint mean the AWS_* variables
    or the machine's role."""

    endpoint: str = ""
    bucket: str = "hub"
    region: str = "us-east-1"
    access_key_id: str = ""
    secret_access_key: str = ""
    # SeaweedFS, MinIO and most self-hosted servers want path-style URLs (endpoint/bucket/key);
    # AWS prefers virtual-hosted style (bucket.endpoint/key).
    path_style: bool = True
    # Media routes answer with a redirect to a presigned GET URL instead of streaming the bytes
    # through the hub (after the hub's own token or signature check); the URL lives this long.
    presign_delivery: bool = False
    presign_ttl_seconds: int = 300
    # Uploads larger than one part go up as a multipart upload of parts this size.
    multipart_part_bytes: int = 8 * 1024**2
    connect_timeout_seconds: float = 3.0
    # One request, a streamed download of a large video included, may take this long.
    request_timeout_seconds: float = 3600.0
    # Attempts after the first before an operation answers UNAVAILABLE.
    max_retries: int = 2


class StorageSettings(BaseModel):
    """Where originals and renditions live: the local filesystem (`data_dir`) or S3."""

    backend: Literal["filesystem", "s3"] = "filesystem"
    s3: S3Settings = Field(default_factory=S3Settings)


class JobSettings(BaseModel):
    # A batch whose worker stops renewing its lease for this long is taken over by another.
    lease_seconds: float = 30.0
    poll_seconds: float = 1.0
    batch_size: int = 25
    # Batches one process works on at once. With 3, two batches encode side by side
    # (HUB_VISION__CONCURRENT_BATCHES) while the third is read, decoded and written: with 2 the
    # two finished encoding together and the model waited for both to be written (auto-tag
    # job overhead 17% against 11-13%). Rendering keeps every core busy between one item's steps.
    concurrency: int = Field(default=3, ge=1)
    # Every API process also runs jobs, so a lone `hub serve` is complete; turn off when
    # dedicated `hub worker` processes do the work.
    run_in_api: bool = True


class WebhookSettings(BaseModel):
    max_attempts: int = 6
    backoff_seconds: float = 2.0  # doubled after each failed attempt
    timeout_seconds: float = 10.0
    poll_seconds: float = 1.0


class VideoSettings(BaseModel):
    """Video uploads and their renditions (the [video_presets.*] of the presets file)."""

    # Longer videos are refused at upload (PAYLOAD_TOO_LARGE); transcoding also stops here,
    # whatever a file's header claimed.
    max_seconds: float = Field(default=3 * 3600.0, gt=0)
    # Every new or replaced video queues a TRANSCODE job; off, only startTranscodeJob makes
    # video renditions.
    transcode_on_upload: bool = True
    # Threads each decoder and encoder of one transcode may use.
    encoder_threads: int = Field(default=2, ge=1, le=16)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HUB_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    environment: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000

    mongo_url: str = ""
    mongo_database: str = "hub"
    mongo_timeout_ms: int = 5000
    # A replica set is named in the URL (mongodb://a,b,c/?replicaSet=rs0). Reads go to the
    # primary by default, which is what read-your-own-write needs; "primaryPreferred" keeps
    # reads working during an election, the secondary modes trade freshness for load.
    mongo_read_preference: Literal["primary", "primaryPreferred", "secondary",
                                   "secondaryPreferred", "nearest"] = "primary"
    mongo_retry_writes: bool = True

    # One URL, or several nodes of one cluster separated by commas: the client spreads requests
    # over them and retries on another node when one does not answer (no sniffing, so the URLs
    # given are the ones used, also behind a proxy or on loopback).
    es_url: str = ""
    es_index_prefix: str = "hub"
    # Replicas of each index the hub creates (existing indexes keep theirs until `hub reindex`):
    # 0 on a single node, where a replica could never be placed; 1 on a cluster, so that losing
    # a node keeps search answering.
    es_replicas: int = Field(default=0, ge=0)
    es_timeout_seconds: float = 10.0
    # How a user's own write becomes visible to list and search queries: "true" refreshes the
    # touched shard at once (read-your-write for one editor), "wait_for" waits for the next
    # periodic refresh, "false" leaves it to the periodic refresh (bulk jobs).
    es_refresh_on_write: Literal["true", "wait_for", "false"] = "true"
    # How often each index refreshes on its own: what makes writes without a refresh of their
    # own searchable (bulk jobs and `hub ingest` between their final refreshes, and every write
    # with "wait_for" or "false" above, which then waits up to this long). Elasticsearch's 1 s
    # cuts a new segment, with its own vector graph to merge later, every second of a bulk
    # job: about half the index's CPU during an auto-tag job. Applied to existing indexes at
    # each start.
    es_refresh_interval: str = Field(default="10s", pattern=r"^(-1|[1-9][0-9]*(ms|s|m))$")

    data_dir: Path = PROJECT_ROOT / ".local" / "data"
    max_upload_bytes: int = 2 * 1024**3
    # A request body must keep coming: a pause longer than the idle timeout, or a body not
    # complete by the deadline, ends the request with 408 REQUEST_TIMEOUT (nothing is kept).
    upload_idle_timeout_seconds: float = 30.0
    upload_deadline_seconds: float = 3600.0
    # Limits on a product's free-form `attributes` (a JSON object): levels of nesting, size as
    # compact JSON, and keys at all levels together. Checked before anything is written.
    max_attributes_depth: int = 8
    max_attributes_bytes: int = 32 * 1024
    max_attributes_keys: int = 1_000
    # A GraphQL request sent as JSON (not a multipart upload) is read into memory up to this.
    max_json_body_bytes: int = 8 * 1024**2
    max_image_pixels: int = 100_000_000
    # 3D models drawing more triangles are refused at upload, from the file's accessor counts
    # before any geometry is read; their preview views are square PNGs of this many pixels.
    max_model_triangles: int = Field(default=5_000_000, ge=1)
    model_preview_size: int = Field(default=768, ge=64, le=4096)
    # Rendition presets (TOML); the default file ships with the hub.
    presets_file: Path | None = None
    # Links uploads to products by file name: {sku} required; {role}, {position}, {ext} optional.
    naming_pattern: str = "{sku}_{role}_{position}.{ext}"
    # Signs the media URLs the API hands out. Production refuses to start with the default:
    # set HUB_SIGNING_SECRET to a long random value (e.g. `python -c "import secrets;
    # print(secrets.token_urlsafe(48))"`).
    signing_secret: str = DEVELOPMENT_SIGNING_SECRET
    # Signed media URLs stay valid at least this long (rounded up a little, so that one URL is
    # stable for a while and browsers and CDNs can cache it).
    signed_url_ttl_seconds: int = 24 * 3600
    # Per-token limits on expensive operations, per minute; 0 turns a limit off.
    uploads_per_minute: int = 120
    image_searches_per_minute: int = 60
    # `hub demo` keeps the local development token here (admin role, development only).
    dev_token_file: Path = PROJECT_ROOT / ".local" / "dev-token"

    graphiql: bool | None = None
    max_page_size: int = 100
    # Limits on one GraphQL document, checked before anything runs.
    max_query_depth: int = 15
    max_aliases: int = 100
    max_query_tokens: int = 10_000
    # Estimated fields a document may resolve (page sizes times nested lists; see
    # hub/graphql/core/cost.py): a page of 50 products with media and renditions is ~15,000.
    max_query_cost: int = 50_000
    # Allow-list mode for production: only persisted queries (stored by their SHA-256, see
    # hub/graphql/persisted/protocol.py) run; only admin tokens may register new ones.
    persisted_queries_only: bool = False
    # Schema introspection (GraphiQL, codegen); off by default in production.
    introspection: bool | None = None
    # Browser origins allowed to call the API (CORS), e.g. ["https://shop.example.com"].
    cors_origins: list[str] = Field(default_factory=list)
    # Adds the number of MongoDB commands and Elasticsearch requests a GraphQL operation cost to
    # the response's "extensions" (on by default in development), to keep N+1 queries visible.
    report_store_calls: bool | None = None
    outbox_drain_interval_seconds: float = 2.0
    # Subscriptions (GraphQL over WebSocket) watch MongoDB: each active subscription reads its
    # job or asset once per interval (FerretDB has no change streams), so work done by any API
    # or worker process shows up. A connection may hold this many subscriptions at once.
    subscription_poll_seconds: float = 0.5
    max_subscriptions_per_connection: int = 20

    servers: ServerSettings = Field(default_factory=ServerSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    video: VideoSettings = Field(default_factory=VideoSettings)
    vision: VisionSettings = Field(default_factory=VisionSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        if not self.mongo_url:
            self.mongo_url = f"mongodb://127.0.0.1:{self.servers.ferretdb_port}/"
        if not self.es_url:
            self.es_url = f"http://127.0.0.1:{self.servers.elasticsearch_port}"
        self._derive_local_s3()
        development = self.environment == "development"
        if self.graphiql is None:
            self.graphiql = development
        if self.report_store_calls is None:
            self.report_store_calls = development
        if self.introspection is None:
            self.introspection = development
        if not 1 <= self.max_page_size <= 1000:
            raise ValueError(f"max_page_size must be between 1 and 1000, not {self.max_page_size}")
        if not 0.05 <= self.subscription_poll_seconds <= 60:
            raise ValueError("subscription_poll_seconds must be between 0.05 and 60, not "
                             f"{self.subscription_poll_seconds}")
        if self.max_subscriptions_per_connection < 1:
            raise ValueError("max_subscriptions_per_connection must be at least 1")
        if self.signed_url_ttl_seconds < 60:
            raise ValueError("signed_url_ttl_seconds must be at least 60")
        return self

    @property
    def es_hosts(self) -> list[str]:
        """The Elasticsearch nodes named by es_url."""
        return [url.strip() for url in self.es_url.split(",") if url.strip()]

    def _derive_local_s3(self) -> None:
        s3 = self.storage.s3
        if not s3.endpoint:
            local = self.servers.seaweedfs
            s3.endpoint = f"http://127.0.0.1:{local.s3_port}"
            s3.access_key_id = s3.access_key_id or local.access_key_id
            s3.secret_access_key = s3.secret_access_key or local.secret_access_key
        if not 1 <= s3.presign_ttl_seconds <= 7 * 24 * 3600:
            raise ValueError("storage.s3.presign_ttl_seconds must be between 1 and 604800 "
                             f"(S3's limit), not {s3.presign_ttl_seconds}")
        if s3.multipart_part_bytes < 5 * 1024**2:
            raise ValueError("storage.s3.multipart_part_bytes must be at least 5 MiB (S3's "
                             f"smallest part), not {s3.multipart_part_bytes}")

    @property
    def uses_local_s3(self) -> bool:
        """The blob store is the SeaweedFS that `hub services up` runs on this machine."""
        return (self.storage.backend == "s3" and self.storage.s3.endpoint
                == f"http://127.0.0.1:{self.servers.seaweedfs.s3_port}")

    def production_problems(self) -> list[str]:
        """What makes these settings unsafe to serve in production (empty in development)."""
        if self.environment != "production":
            return []
        problems = []
        if self.signing_secret == DEVELOPMENT_SIGNING_SECRET:
            problems.append("HUB_SIGNING_SECRET is the development default; set a long "
                            "random value")
        elif len(self.signing_secret) < MIN_SECRET_LENGTH:
            problems.append(f"HUB_SIGNING_SECRET is shorter than {MIN_SECRET_LENGTH} "
                            "characters")
        return problems
