# The ocient-sso image: the @ocient-sso/server package on a slim Debian with Node.js 24 LTS.
#
#   npm run build                                   # writes dist/ocient-sso-server-<version>.tgz
#   podman build --format docker -t ocient-sso .    # or docker build -t ocient-sso .
#   docker run -v /etc/ocient-sso:/etc/ocient-sso:ro -v ocient-sso-keys:/var/lib/ocient-sso \
#     --read-only -p 8080:8080 ocient-sso
#
# The configuration is read from /etc/ocient-sso/config.yaml (mount it; OCIENT_SSO_CONFIG names another
# file), with `server.port: 8080` and `token.keys_file: /var/lib/ocient-sso/signing-keys.json`. The signing
# keys live in the volume /var/lib/ocient-sso, writable by uid 10001. Nothing else is written: the root
# filesystem can be read-only. docs/deploy.md says more.

# The base: Node.js 24 LTS on Debian bookworm, slim. Any image with `node` on PATH, `tar`, `useradd` and
# `groupadd` will do (the tests build one from Debian's archive and the official Node binary).
ARG NODE_VERSION=24.22.3
ARG BASE_IMAGE=docker.io/library/node:${NODE_VERSION}-bookworm-slim

# Stage 1: unpack the release tarball. The package is one bundled module; its one optional dependency,
# the keyring's native addon for `ocient-sso login`, has no use in a server. So no npm install runs and no
# build tool reaches the runtime stage.
FROM ${BASE_IMAGE} AS package
COPY dist/ocient-sso-server-*.tgz /tmp/
RUN set -eu; set -- /tmp/ocient-sso-server-*.tgz; \
    if [ "$#" -ne 1 ]; then echo "expected one dist/ocient-sso-server-*.tgz, found: $*" >&2; exit 1; fi; \
    mkdir -p /opt/ocient-sso; \
    tar -xzf "$1" -C /opt/ocient-sso --strip-components=1 --no-same-owner --no-same-permissions; \
    chmod -R a+rX,go-w /opt/ocient-sso
COPY deploy/docker/healthcheck.mjs /opt/ocient-sso/healthcheck.mjs

# Stage 2: the runtime.
FROM ${BASE_IMAGE}
ARG NODE_VERSION
LABEL org.opencontainers.image.title="ocient-sso" \
      org.opencontainers.image.description="Exchange OpenID Connect tokens for Ocient access tokens" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 ocient-sso \
 && useradd --system --uid 10001 --gid ocient-sso --home-dir /var/lib/ocient-sso --no-create-home \
      --shell /usr/sbin/nologin ocient-sso \
 && mkdir -p /etc/ocient-sso /var/lib/ocient-sso \
 && chown ocient-sso:ocient-sso /var/lib/ocient-sso \
 && chmod 0700 /var/lib/ocient-sso
COPY --from=package /opt/ocient-sso /opt/ocient-sso
# The entry (ocient-sso.cjs) sizes libuv's thread pool for the cores it sees when UV_THREADPOOL_SIZE is
# unset; set it here or at run time only to override that.
ENV NODE_ENV=production \
    OCIENT_SSO_CONFIG=/etc/ocient-sso/config.yaml
USER 10001:10001
WORKDIR /var/lib/ocient-sso
VOLUME ["/var/lib/ocient-sso"]
EXPOSE 8080
# Liveness of the process (GET /healthz); OCIENT_SSO_HEALTHCHECK_URL overrides the URL (TLS, another port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "/opt/ocient-sso/healthcheck.mjs"]
ENTRYPOINT ["node", "/opt/ocient-sso/ocient-sso.cjs"]
CMD ["serve"]
