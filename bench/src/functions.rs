//! The functions under measurement: their names, which of them hash a password, and the memory
//! each is deployed with.

pub const FUNCTIONS: [&str; 19] = [
    "create-user",
    "get-user",
    "update-user",
    "delete-user",
    "list-users",
    "login",
    "refresh",
    "logout",
    "create-product",
    "get-product",
    "list-products",
    "update-product",
    "delete-product",
    "create-order",
    "get-order",
    "list-orders",
    "cancel-order",
    "health",
    "jwks",
];

/// The functions whose measured calls hash (create-user) or verify (login) a password.
pub const HASHING: [&str; 2] = ["create-user", "login"];
/// The functions that can hash at all (argon2id takes 19 MiB): their memory budget is larger.
pub const HASHES_SOMETIMES: [&str; 3] = ["create-user", "login", "update-user"];

/// The memory each function is deployed with: its `MemorySize` in template.yaml, else the
/// template's global default (128 MB).
pub fn memory_mb(template: &str, function: &str) -> u32 {
    let mut global = 128;
    let mut in_function = false;
    for line in template.lines() {
        let trimmed = line.trim();
        if line.starts_with("  ") && !line.starts_with("   ") && trimmed.ends_with(':') {
            in_function = false; // a new resource
        }
        if trimmed == format!("CodeUri: functions/{function}") {
            in_function = true;
        }
        if let Some(value) = trimmed.strip_prefix("MemorySize:") {
            let value = value
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .parse()
                .unwrap_or(0);
            if line.starts_with("    MemorySize") && !in_function {
                global = value; // Globals.Function
            } else if in_function && value > 0 {
                return value;
            }
        }
    }
    global
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_in_the_workspace_is_measured() {
        let mut on_disk: Vec<String> = std::fs::read_dir("../functions")
            .expect("the functions directory")
            .map(|entry| entry.unwrap())
            .filter(|entry| entry.path().join("Cargo.toml").exists())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut measured: Vec<String> = FUNCTIONS.iter().map(|f| f.to_string()).collect();
        measured.sort();
        assert_eq!(measured, on_disk);
    }

    #[test]
    fn memory_comes_from_the_template() {
        let template = "Globals:\n  Function:\n    MemorySize: 128\nResources:\n  A:\n    Properties:\n      CodeUri: functions/login\n      MemorySize: 512 # hashes\n  B:\n    Properties:\n      CodeUri: functions/get-user\n";
        assert_eq!(memory_mb(template, "login"), 512);
        assert_eq!(memory_mb(template, "get-user"), 128);
    }
}
