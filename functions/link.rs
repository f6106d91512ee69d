//! The build script of every function (and of the bench's floor, which must be linked the same
//! way): release binaries for Linux are linked as position-dependent executables (`-no-pie`).
//!
//! Why: a position-independent executable is relocated by the dynamic loader at every start,
//! tens of thousands of writes that each copy a page of `.data.rel.ro` on first touch; linked
//! at a fixed address, none of that happens, and init is measurably shorter (bench/notes.md,
//! "Init: a position-dependent binary"). The cost is ASLR for the binary's own image (the
//! stack, heap and shared libraries are still randomised), the trade Go makes by default;
//! SECURITY.md says so. `LINK_PIE=1` at build time keeps the position-independent default.
//!
//! Debug builds (tests, `cargo lambda watch`) are left as rustc links them.

fn main() {
    println!("cargo::rerun-if-env-changed=LINK_PIE");
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let pie_asked = std::env::var("LINK_PIE").as_deref() == Ok("1");
    if release && linux && !pie_asked {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}
