//! User configuration: the zone to assume and the user's format definitions
//! (`$XDG_CONFIG_HOME/pm-tui/formats/*.toml`, or `$PM_TUI_CONFIG_DIR/formats`).

use pm_parsers::Registry;
use pm_parsers::time::Zone;
use std::path::PathBuf;

/// The configuration directory: `$PM_TUI_CONFIG_DIR`, else the XDG config
/// dir (`~/.config/pm-tui` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("PM_TUI_CONFIG_DIR") {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "pm-tui").map(|p| p.config_dir().to_path_buf())
}

/// Where user formats are read from.
pub fn user_formats_dir() -> Option<PathBuf> {
    config_dir().map(|d| d.join("formats"))
}

/// The built-in formats plus the user's. A broken user format is left out
/// and reported (file:line: problem) in the returned messages; it never
/// stops pm-tui.
pub fn load_registry() -> (Registry, Vec<String>) {
    let mut registry = Registry::builtin();
    let mut messages = Vec::new();
    let Some(dir) = user_formats_dir() else {
        return (registry, messages);
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return (registry, messages);
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for f in files {
        let shown = f.display().to_string();
        match std::fs::read_to_string(&f) {
            Ok(src) => match registry.add_user_toml(&src, &shown) {
                Ok(warnings) => messages.extend(warnings.iter().map(|w| w.to_string())),
                Err(e) => messages.push(format!("{e} (format ignored)")),
            },
            Err(e) => messages.push(format!("{shown}: cannot read: {e} (format ignored)")),
        }
    }
    (registry, messages)
}

/// The zone for naive timestamps and where it came from: `--tz`, else `TZ`,
/// else the system's zone, else UTC.
pub fn resolve_zone(arg: Option<&str>) -> Result<(Zone, &'static str), String> {
    if let Some(z) = arg {
        return z
            .parse::<Zone>()
            .map(|z| (z, "--tz"))
            .map_err(|e| e.to_string());
    }
    if let Ok(tz) = std::env::var("TZ") {
        let t = tz.trim_start_matches(':');
        if let Ok(z) = t.parse::<Zone>() {
            return Ok((z, "TZ"));
        }
    }
    if let Ok(name) = iana_time_zone::get_timezone() {
        if let Ok(z) = name.parse::<Zone>() {
            return Ok((z, "system"));
        }
    }
    Ok((Zone::utc(), "default"))
}
