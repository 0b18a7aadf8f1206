//! `rapport secret-key`: print a new key for RAPPORT_SECRET_KEY.

use crate::failure::CmdResult;

pub fn run() -> CmdResult {
    println!("{}", rapport_app::secrets::SecretBox::generate_key());
    Ok(())
}
