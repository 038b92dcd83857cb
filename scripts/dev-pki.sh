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
# Idempotent: the CA, the partner and the gateway's certificates are created once; the
# gateway's are issued again only when the dev token's keys changed (a new token).
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

# The gateway's certificates: kept while they certify the HSM's current keys (mail encrypted to
# the escrow certificate names it by issuer and serial), issued again when the key changed.
gateway_certificate() { # key-pair name email certificate
  "$sovereignty" smime csr "$1" --config "$config" --subject "CN=$2 (dev), O=Groupe La Poste, C=FR" --email "$3" >"$pki/$1.csr"
  if [ -s "$4" ] && [ "$(openssl req -in "$pki/$1.csr" -pubkey -noout)" = "$(openssl x509 -in "$4" -pubkey -noout)" ]; then
    return
  fi
  issue "$pki/$1.csr" "$4"
}
gateway_certificate smime-signing "Passerelle S/MIME" passerelle@laposte.fr "$pki/org/signing-leaf.pem"
cat "$pki/org/signing-leaf.pem" "$pki/ca.pem" >"$pki/org/signing.pem"
gateway_certificate smime-escrow "Sequestre S/MIME" sequestre@laposte.fr "$pki/org/escrow.pem"

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
