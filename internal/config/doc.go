// Package config builds Strongroom's effective configuration and checks it.
//
// Each setting comes from, in increasing precedence:
//
//  1. the defaults (see [Default]);
//  2. a YAML file, named by the --config flag or STRONGROOM_CONFIG (the flag
//     wins); there is no implicit file, and a named file that is missing is
//     an error, as is an unknown key;
//  3. STRONGROOM_* environment variables;
//  4. command-line flags that the user actually set.
//
// [Load] applies the layers and [Config.Validate] reports every problem it
// finds at once, as a [*ValidationError]. Nothing is global: the flag set and
// the environment lookup are passed in.
//
// Secrets (the database URL, the secret key and the SMTP password) have the
// type [Secret], which prints, logs and marshals as "[redacted]". Each can
// instead be read from a file, which is how container platforms hand out
// secrets: STRONGROOM_X_FILE in the environment, or an xFile key next to x in
// YAML (databaseFile, secretKeyFile, smtp.passwordFile). Setting both x and its
// file variant in the same layer is an error. One trailing newline is trimmed
// from the file's content. Relative paths are relative to the working
// directory.
//
// # Environment variables
//
//	STRONGROOM_CONFIG              YAML configuration file
//	STRONGROOM_DATA_DIR            data directory (default ./data)
//	STRONGROOM_LISTEN              listen address, host:port (default localhost:8080)
//	STRONGROOM_PUBLIC_URL          URL users reach the server at (default derived from the
//	                               listen port: http://localhost:PORT, https if TLS is set)
//	STRONGROOM_DATABASE            database URL: postgres://…, postgresql://…, sqlite:PATH,
//	                               sqlite://PATH or file:PATH (default SQLite file
//	                               DATA_DIR/strongroom.db)
//	STRONGROOM_DATABASE_FILE       file holding the database URL
//	STRONGROOM_TLS_CERT_FILE       TLS certificate (PEM); set with the key or not at all
//	STRONGROOM_TLS_KEY_FILE        TLS private key (PEM)
//	STRONGROOM_SECRET_KEY          base64 (standard or URL alphabet, padded or not) of at
//	                               least 32 random bytes that key HMACs and encryption;
//	                               default a key file generated in the data directory on
//	                               first start. Every node sharing one PostgreSQL must use
//	                               the same key, so set it explicitly there.
//	STRONGROOM_SECRET_KEY_FILE     file holding the secret key
//	STRONGROOM_SMTP_HOST           SMTP server; empty turns email off (default)
//	STRONGROOM_SMTP_PORT           SMTP port (default 587)
//	STRONGROOM_SMTP_USERNAME       SMTP user name
//	STRONGROOM_SMTP_PASSWORD       SMTP password
//	STRONGROOM_SMTP_PASSWORD_FILE  file holding the SMTP password
//	STRONGROOM_SMTP_FROM           sender address, e.g. "Strongroom <strongroom@example.com>"
//	STRONGROOM_SMTP_SECURITY       starttls (default), tls or none
//	STRONGROOM_NOTIFY_WEBHOOK_URL  URL that receives notifications as signed JSON (default none)
//	STRONGROOM_NOTIFY_WEBHOOK_SECRET       key of the webhook's HMAC-SHA-256 signature
//	STRONGROOM_NOTIFY_WEBHOOK_SECRET_FILE  file holding the webhook key
//	STRONGROOM_LOG_FORMAT          text (default) or json
//	STRONGROOM_LOG_LEVEL           debug, info (default), warn or error
//	STRONGROOM_TRUSTED_PROXIES     comma-separated CIDRs or IP addresses whose
//	                               X-Forwarded-For is believed (default none)
//	STRONGROOM_SHUTDOWN_TIMEOUT    Go duration, e.g. 30s (default 15s)
//	STRONGROOM_BOOTSTRAP_ADMIN_UPN the first administrator's user principal name
//	                               (default admin@strongroom.local)
//	STRONGROOM_WEBAUTHN_ORIGINS    comma-separated extra WebAuthn origins (default none)
//	STRONGROOM_WEBAUTHN_RESIDENT_KEY  preferred (default) or required
//	STRONGROOM_MDS_BLOB_FILE       FIDO Metadata Service (MDS3) BLOB file
//	STRONGROOM_MDS_ROOT_FILE       PEM root certificate of the MDS BLOB's chain
//	STRONGROOM_PASSWORDS_ENABLED   true (default) or false for a passwordless tenant
//	STRONGROOM_GEOIP_DATABASE_FILE MaxMind-format (.mmdb) country database
//	STRONGROOM_TOKEN_RATE_LIMIT    token requests per second per client address
//	                               (default 100; 0 turns the limit off)
//
// # Flags
//
// --config, --data-dir, --listen, --public-url and --database set the
// same things as the variables of the same name.
//
// # YAML
//
// The file uses the same names as the environment, in camel case:
//
//	dataDir: /var/lib/strongroom
//	listen: 0.0.0.0:8080
//	publicURL: https://id.example.com
//	databaseFile: /run/secrets/database-url
//	tls: {certFile: /etc/strongroom/cert.pem, keyFile: /etc/strongroom/key.pem}
//	secretKeyFile: /run/secrets/secret-key
//	smtp:
//	  host: smtp.example.com
//	  port: 587
//	  username: strongroom
//	  passwordFile: /run/secrets/smtp-password
//	  from: Strongroom <strongroom@example.com>
//	  security: starttls
//	notify: {webhookURL: https://chat.example.com/hooks/pim, webhookSecretFile: /run/secrets/webhook}
//	log: {format: json, level: info}
//	trustedProxies: [10.0.0.0/8, 192.0.2.1]
//	shutdownTimeout: 30s
package config
