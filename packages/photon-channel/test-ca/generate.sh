#!/bin/sh
# Regenerates the TEST-ONLY certificate authority and the 127.0.0.1/localhost server certificate
# that the Spectrum fake serves. Run once; the output is committed. These keys are public: never
# trust this CA anywhere but a test process (it is only ever given to a child process through
# GRPC_DEFAULT_SSL_ROOTS_FILE_PATH / NODE_EXTRA_CA_CERTS).
set -eu
cd "$(dirname "$0")"
days=9125 # 25 years: tests must not start failing because a test certificate expired
openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days "$days" -subj "/CN=Hermes Spectrum fake TEST CA (never trust)" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
openssl ecparam -name prime256v1 -genkey -noout -out server-key.pem
openssl req -new -key server-key.pem -subj "/CN=localhost" -out server.csr
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days "$days" -extfile server.ext -out server.pem
# The CA key is deleted: nobody (including us) can mint another certificate this CA vouches for,
# so a process told to trust it can be fooled only for 127.0.0.1/localhost with the key below.
rm -f server.csr server.ext ca.srl ca-key.pem
# PKCS#8 so every TLS stack reads it the same way.
openssl pkcs8 -topk8 -nocrypt -in server-key.pem -out server-key.pk8.pem && mv server-key.pk8.pem server-key.pem
