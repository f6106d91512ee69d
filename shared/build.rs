//! Mozilla's roots (`webpki-root-certs`) as PEM text, written at build time into
//! `$OUT_DIR/mozilla-roots.pem` for `src/tls/mod.rs`: the SDK's trust store takes PEM only, and
//! encoding the compiled-in DER at run time was a measurable part of each process's first
//! request (bench/notes.md, "The first request: the trust store").

use std::fmt::Write as _;

use base64::Engine;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let mut pem = String::new();
    for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        base64::engine::general_purpose::STANDARD.encode_string(der, &mut pem);
        let _ = writeln!(pem, "\n-----END CERTIFICATE-----");
    }
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(std::path::Path::new(&out).join("mozilla-roots.pem"), pem)
        .expect("OUT_DIR is writable");
}
