// Package postgres opens Strongroom's store on PostgreSQL through pgx's
// database/sql driver. Several Strongroom processes may share one database:
// they keep no state of their own.
package postgres
