//! Tools that stand an environment up; see the binaries in src/bin.
