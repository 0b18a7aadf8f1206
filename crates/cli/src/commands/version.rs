use crate::failure::CmdResult;

/// `0.1.0 (commit 0123456789ab)`: the version and the commit it was built from (see build.rs).
pub const VERSION: &str = env!("RAPPORT_BUILD_VERSION");

pub fn run() -> CmdResult {
    println!("rapport {VERSION}");
    Ok(())
}
