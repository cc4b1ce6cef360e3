#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages qes needs, when they are missing.
#   scripts/deps.sh run    SoftHSM2 (the embedded PKCS#11 token), opj_decompress (the CIE's JPEG 2000
#                            portrait -> PNG for the officer's console)
#   scripts/deps.sh test   + the validators the tests run: pdfsig, qpdf, NSS certutil, openssl,
#                            Chromium with a font for the portal's browser tests, and opj_compress
#                            for the JPEG 2000 portraits of the eMRTD tests, and PostgreSQL (initdb and
#                            postgres, which the storage tests start in a temporary directory; the
#                            package's own cluster and service are not used), and xmlsec1 and xmllint
#                            (libxml2-utils) for the XAdES tests, and W3C's XML-DSig schema
#                            (xmltooling-schemas) that xmllint checks a signed invoice's ds:Signature with
# As root it uses apt-get; otherwise it prints the command to run.
set -euo pipefail

want=(softhsm2-util:softhsm2 openssl:openssl opj_decompress:libopenjp2-tools)
if [[ "${1:-run}" == "test" ]]; then
  want+=(pdfsig:poppler-utils qpdf:qpdf certutil:libnss3-tools pdftoppm:poppler-utils chromium:chromium opj_compress:libopenjp2-tools xmlsec1:xmlsec1 xmllint:libxml2-utils)
fi

missing=()
for pair in "${want[@]}"; do
  bin=${pair%%:*} pkg=${pair##*:}
  command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg")
done
# Headless Chromium renders the portal's pages (and their screenshots) in
# DejaVu; without any font it draws nothing legible.
if [[ "${1:-run}" == "test" && ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]]; then
  missing+=(fonts-dejavu-core)
fi
# W3C's xmldsig-core-schema.xsd, which testdata/xades/schema/catalog.xml
# resolves the FatturaPA schema's import to: a file, not a command.
if [[ "${1:-run}" == "test" && ! -e /usr/share/xml/xmltooling/xmldsig-core-schema.xsd ]]; then
  missing+=(xmltooling-schemas)
fi
# Debian keeps initdb and postgres off PATH, under /usr/lib/postgresql/<major>/bin
# (where internal/testutil/pgtest looks for them).
if [[ "${1:-run}" == "test" ]] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if ((${#missing[@]} == 0)); then
  exit 0
fi
# de-duplicate
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if ! command -v go >/dev/null 2>&1; then
  echo "qes needs Go 1.26 or newer (https://go.dev/dl/) on PATH" >&2
  exit 1
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "qes needs these Debian/Ubuntu packages: ${missing[*]}" >&2
echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
