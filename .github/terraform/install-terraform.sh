#!/usr/bin/env bash
# Installs terraform for the pipeline's jobs: the release zip from releases.hashicorp.com, checked against the
# SHA-256 pinned here before anything in it runs. hashicorp/setup-terraform verifies nothing it downloads
# (hashicorp/setup-terraform#556), so the jobs use this instead.
#
# To move to another version: take the linux_amd64 line of terraform_<version>_SHA256SUMS after verifying that
# file's signature with HashiCorp's key (https://www.hashicorp.com/security), and change both values below in
# one reviewed pull request.
set -euo pipefail

VERSION=1.11.4
SHA256=1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc # terraform_1.11.4_linux_amd64.zip

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "install-terraform.sh: only linux_amd64 is pinned, this is $(uname -s)-$(uname -m)" >&2
  exit 1
fi
dest="${RUNNER_TEMP:?RUNNER_TEMP is not set}/terraform-${VERSION}"
mkdir -p "$dest"
zip="$dest/terraform_${VERSION}_linux_amd64.zip"
curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --retry 3 \
  -o "$zip" "https://releases.hashicorp.com/terraform/${VERSION}/terraform_${VERSION}_linux_amd64.zip"
echo "${SHA256}  ${zip}" | sha256sum --check --strict -
unzip -q -o "$zip" terraform -d "$dest"
rm -f "$zip"
echo "$dest" >> "${GITHUB_PATH:?GITHUB_PATH is not set}"
"$dest/terraform" version
