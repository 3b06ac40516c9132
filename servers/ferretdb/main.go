// Command ferretdb runs FerretDB through its embeddable package.
//
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb` builds a binary that panics at start
// (the module copy lacks its generated version file), so the hub builds this small main instead.
// It serves the MongoDB wire protocol on -listen, stores data in PostgreSQL at -postgresql-url,
// and stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to serve the MongoDB wire protocol on")
	postgresURL := flag.String("postgresql-url", "postgres://postgres@127.0.0.1:5432/ferretdb", "PostgreSQL URL")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Handler:       "postgresql",
		PostgreSQLURL: *postgresURL,
	})
	if err != nil {
		log.Fatalf("ferretdb: %v", err)
	}

	log.Printf("ferretdb: serving %s on %s", f.MongoDBURI(), *listen)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatalf("ferretdb: %v", err)
	}
	log.Printf("ferretdb: stopped")
}
