use crate::failure::CmdResult;

pub fn run() -> CmdResult {
    println!("rapport {}", env!("CARGO_PKG_VERSION"));
    Ok(())
}
