# Build: a release binary, in one stage (rustls + ring: no OpenSSL, only gcc).
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY config ./config
COPY tests/benches ./tests/benches
RUN cargo build --release --locked --bin alliance

# Run: a slim image, a non-root user, the data directory as a volume.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin alliance \
    && mkdir -p /data && chown alliance /data
COPY --from=build /src/target/release/alliance /usr/local/bin/alliance
USER alliance
WORKDIR /data
ENV ALLIANCE_DATA_DIR=/data ALLIANCE_LISTEN=0.0.0.0:3000
VOLUME ["/data"]
EXPOSE 3000
ENTRYPOINT ["alliance"]
CMD ["serve"]
