# syntax=docker/dockerfile:1
#
# gomodfetch as a small image: one static (musl) binary, the CA roots, nothing else.
#
#   docker build -t gomodfetch .
#
# Use it as the source of the binary in a Go build (docs/docker/Dockerfile.go-project):
#
#   COPY --from=gomodfetch /usr/local/bin/gomodfetch /usr/local/bin/gomodfetch
#
# or run it directly on a project (no go.env in this image: pass GOPROXY, and GOSUMDB
# or GONOSUMDB/GOPRIVATE, as you would set them for go):
#
#   docker run --rm -e GOPROXY -e GOSUMDB -v "$PWD":/src -v gomodcache:/go/pkg/mod gomodfetch
#
# The binary is static: musl libc, rustls for the module proxy and checksum database,
# and for direct git mode libgit2 with an OpenSSL built from source (Cargo.toml builds
# both vendored for musl targets); roots are read where Go reads them
# (/etc/ssl/certs/ca-certificates.crt, SSL_CERT_FILE, SSL_CERT_DIR). The target is
# the build machine's architecture (uname -m), so `docker buildx build --platform
# linux/arm64` builds an arm64 image natively or under emulation.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS build
# musl-gcc for the C parts (libgit2, zlib, OpenSSL, ring); perl and make, which the
# OpenSSL build needs, come with this image; ca-certificates for the final stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add "$(uname -m)-unknown-linux-musl"
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    target="$(uname -m)-unknown-linux-musl" \
 && cargo build --release --locked --target "$target" --bin gomodfetch \
 && install -D -s -m 0755 "target/$target/release/gomodfetch" /rootfs/usr/local/bin/gomodfetch
# The rest of the final filesystem: roots, a user, a writable /tmp, the user's home
# and work directory, and the default GOPATH writable by any user (as in the golang
# image), so `docker run --user` works with the module cache and sumdb state in it.
RUN install -D -m 0644 /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /rootfs/etc/passwd \
 && printf 'root:x:0:\nnonroot:x:65532:\n' > /rootfs/etc/group \
 && install -d -m 1777 /rootfs/tmp \
 && install -d -m 0755 /home-rootfs/home/nonroot /home-rootfs/src \
 && install -d -m 1777 /home-rootfs/go /home-rootfs/go/pkg /home-rootfs/go/pkg/mod

FROM scratch
COPY --from=build /rootfs/ /
COPY --from=build --chown=65532:65532 /home-rootfs/ /
USER 65532:65532
ENV HOME=/home/nonroot \
    GOPATH=/go \
    PATH=/usr/local/bin
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/gomodfetch"]
CMD ["download"]
