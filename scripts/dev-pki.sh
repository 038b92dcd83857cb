#!/usr/bin/env bash
# Development S/MIME certificates for the local gateway, under .dev/pki (ignored by git):
#   - a local CA standing in for the organisation's CA, and its (empty) CRL;
#   - the gateway's signing and escrow certificates, issued from certificate requests that the
#     HSM signs with its own keys (`sovereignty smime csr`: the private keys never leave it);
#   - one partner with a certificate in the certificate directory (.dev/pki/certs/) and its
#     private key (.dev/pki/partenaire.key), so a user can decrypt what the mailbox received.
#
#   scripts/dev-pki.sh SOVEREIGNTY CONFIG      (after the keys exist: `sovereignty keys init`)
#
# Idempotent: the CA and the partner are created once; the gateway's certificates are issued
# again on every run (cheap), so they always match the keys of the current dev token.
set -euo pipefail
sovereignty=$1
config=$2
pki=.dev/pki
mkdir -p "$pki/certs" "$pki/org"
chmod 700 "$pki"

if [ ! -s "$pki/ca.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 3650 \
    -subj "/O=Sovereignty dev/CN=Sovereignty dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  : >"$pki/index.txt"
fi

issue() { # request certificate
  openssl x509 -req -in "$1" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 825 \
    -copy_extensions copy -extfile <(echo "basicConstraints=critical,CA:FALSE") -out "$2" 2>/dev/null
}

"$sovereignty" smime csr smime-signing --config "$config" --subject "CN=Passerelle S/MIME (dev), O=Groupe La Poste, C=FR" \
  --email passerelle@laposte.fr >"$pki/signing.csr"
"$sovereignty" smime csr smime-escrow --config "$config" --subject "CN=Sequestre S/MIME (dev), O=Groupe La Poste, C=FR" \
  --email sequestre@laposte.fr >"$pki/escrow.csr"
issue "$pki/signing.csr" "$pki/org/signing.pem" && cat "$pki/ca.pem" >>"$pki/org/signing.pem"
issue "$pki/escrow.csr" "$pki/org/escrow.pem"

partner=partenaire@partenaire.example
if [ ! -s "$pki/certs/$partner.pem" ]; then
  openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/partenaire.key" -out "$pki/partenaire.csr" \
    -subj "/CN=$partner" -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    -addext "extendedKeyUsage=emailProtection" -addext "subjectAltName=email:$partner" 2>/dev/null
  issue "$pki/partenaire.csr" "$pki/certs/$partner.pem"
fi

# A fresh CRL each run (nothing revoked): the relay requires a current CRL from each issuer.
openssl ca -gencrl -keyfile "$pki/ca.key" -cert "$pki/ca.pem" -out "$pki/ca.crl" -crldays 30 \
  -config <(printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\ndefault_md=sha256\n' "$pki/index.txt") 2>/dev/null
echo "dev-pki: CA, gateway signing and escrow certificates (keys in the HSM), partner $partner in $pki" >&2
