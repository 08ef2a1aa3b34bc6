//! `gomodfetch prewarm`.

use crate::config::Env;
use std::ffi::OsString;

pub fn main(_env: &Env, _args: &[OsString]) -> i32 {
    eprintln!("gomodfetch prewarm: not implemented yet");
    1
}
