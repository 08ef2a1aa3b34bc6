//! How a test checksum database misbehaves: the [`Tamper`] modes, the [`Trigger`]
//! that starts them, and the compact text form the `gomodfetch-testproxy` binary
//! takes (`--sumdb-tamper`).
//!
//! The modes act on what is served, never on the honest log itself, except
//! [`Tamper::WrongHash`], whose point is a log that *records* a wrong hash (the
//! lookup verifies, the download does not match). Each mode is chosen so the real `go`
//! reports one specific failure; the integration tests (`tests/it/testdb.rs`) record
//! which.

use super::record::SumLine;
use crate::sumdb::note::{NoteSigner, Signer, key_pair_from_seed};
use std::fmt;
use std::str::FromStr;

/// A misbehaviour of the test checksum database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// The log records a wrong (well-formed) hash on `line` of `module`'s record
    /// (`path@version`). Part of the log from the start, whatever the trigger.
    WrongHash { module: String, line: SumLine },
    /// Once triggered, everything is served from a forked log: the same records in
    /// the same order, except that `module`'s (by default the last record present when
    /// the database is built) carries a wrong zip hash. So the fork's tree has the same
    /// size and a different hash, properly signed, with tiles of its own.
    Fork { module: Option<String> },
    /// Once triggered, every signed tree head carries a bad signature.
    BadSignature(BadSignature),
    /// Once triggered, every tile served (hash or data) has one byte flipped.
    CorruptTile,
    /// Once triggered, signed tree heads are those of the first `size` records (a
    /// lagging signer); records and tiles still come from the whole log.
    StaleHead { size: u64 },
    /// Once triggered, the server answers as if its log had only its first `size`
    /// records: older heads, lookups of later records not found, tiles only within
    /// that tree.
    Rollback { size: u64 },
}

/// How a tree head's signature is bad.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BadSignature {
    /// The right key name and hash, with a signature that does not verify.
    #[default]
    Corrupt,
    /// Signed by another key with the same name (a key hash no client knows).
    OtherKey,
}

/// When a [`Tamper`] mode starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Trigger {
    /// From the first request.
    #[default]
    Start,
    /// After this many honest responses that carry a signed tree head (`/latest` and
    /// lookups): the next such response is the first tampered one, and tiles are
    /// tampered from then on.
    AfterHeads(u64),
    /// When the test calls [`super::TestSumdb::set_tampering`] (or sends the binary
    /// SIGUSR1).
    Manual,
}

/// A malformed `--sumdb-tamper` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid tamper mode {input:?}: {why}")]
pub struct TamperSyntaxError {
    pub input: String,
    pub why: String,
}

impl FromStr for Tamper {
    type Err = TamperSyntaxError;

    /// `wrong-hash=<path@version>[:zip|:go.mod|:both]`, `fork[=<path@version>]`,
    /// `bad-signature[=corrupt|other-key]`, `corrupt-tile`, `stale-head=<size>`,
    /// `rollback=<size>`.
    fn from_str(s: &str) -> Result<Tamper, TamperSyntaxError> {
        let err = |why: &str| TamperSyntaxError {
            input: s.to_string(),
            why: why.to_string(),
        };
        let (kind, arg) = match s.split_once('=') {
            Some((k, a)) => (k, Some(a)),
            None => (s, None),
        };
        let size = |a: Option<&str>| {
            a.and_then(|a| a.parse::<u64>().ok())
                .ok_or_else(|| err("needs =<tree size>"))
        };
        match kind {
            "wrong-hash" => {
                let a = arg.ok_or_else(|| err("needs =<path@version>"))?;
                let (module, line) = match a.rsplit_once(':') {
                    Some((m, "zip")) => (m, SumLine::Zip),
                    Some((m, "go.mod")) => (m, SumLine::GoMod),
                    Some((m, "both")) => (m, SumLine::Both),
                    Some(_) => return Err(err("the line is :zip, :go.mod or :both")),
                    None => (a, SumLine::Zip),
                };
                if !module.contains('@') {
                    return Err(err("needs =<path@version>"));
                }
                Ok(Tamper::WrongHash {
                    module: module.to_string(),
                    line,
                })
            }
            "fork" => Ok(Tamper::Fork {
                module: arg.map(str::to_string),
            }),
            "bad-signature" => match arg {
                None | Some("corrupt") => Ok(Tamper::BadSignature(BadSignature::Corrupt)),
                Some("other-key") => Ok(Tamper::BadSignature(BadSignature::OtherKey)),
                Some(_) => Err(err("the kind is corrupt or other-key")),
            },
            "corrupt-tile" if arg.is_none() => Ok(Tamper::CorruptTile),
            "stale-head" => Ok(Tamper::StaleHead { size: size(arg)? }),
            "rollback" => Ok(Tamper::Rollback { size: size(arg)? }),
            _ => Err(err(
                "expected wrong-hash=…, fork[=…], bad-signature[=…], corrupt-tile, \
                 stale-head=N or rollback=N",
            )),
        }
    }
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tamper::WrongHash { module, line } => {
                let line = match line {
                    SumLine::Zip => "zip",
                    SumLine::GoMod => "go.mod",
                    SumLine::Both => "both",
                };
                write!(f, "wrong-hash={module}:{line}")
            }
            Tamper::Fork { module: None } => f.write_str("fork"),
            Tamper::Fork { module: Some(m) } => write!(f, "fork={m}"),
            Tamper::BadSignature(BadSignature::Corrupt) => f.write_str("bad-signature=corrupt"),
            Tamper::BadSignature(BadSignature::OtherKey) => f.write_str("bad-signature=other-key"),
            Tamper::CorruptTile => f.write_str("corrupt-tile"),
            Tamper::StaleHead { size } => write!(f, "stale-head={size}"),
            Tamper::Rollback { size } => write!(f, "rollback={size}"),
        }
    }
}

/// Signs with the database's key, then spoils the signature (for
/// [`BadSignature::Corrupt`]).
pub(crate) struct CorruptSigner<'a>(pub(crate) &'a Signer);

impl NoteSigner for CorruptSigner<'_> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn key_hash(&self) -> u32 {
        NoteSigner::key_hash(self.0)
    }

    fn sign_bytes(&self, msg: &[u8]) -> Vec<u8> {
        let mut sig = self.0.sign_bytes(msg);
        if let Some(b) = sig.first_mut() {
            *b ^= 0xff;
        }
        sig
    }
}

/// Another key with the same server name (for [`BadSignature::OtherKey`]): the key
/// pair of a fixed seed, so its signatures are deterministic too.
pub(crate) fn other_key_signer(name: &str) -> Option<Signer> {
    let (skey, _) = key_pair_from_seed(name, &[0x5a; 32]);
    Signer::new(&skey).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_round_trip() {
        for s in [
            "wrong-hash=rsc.io/quote@v1.5.2:zip",
            "wrong-hash=rsc.io/quote@v1.5.2:go.mod",
            "wrong-hash=rsc.io/quote@v1.5.2:both",
            "fork",
            "fork=rsc.io/quote@v1.5.2",
            "bad-signature=corrupt",
            "bad-signature=other-key",
            "corrupt-tile",
            "stale-head=3",
            "rollback=0",
        ] {
            let t: Tamper = s.parse().unwrap();
            assert_eq!(t.to_string(), s);
        }
        assert_eq!(
            "wrong-hash=a@v1.0.0".parse(),
            Ok(Tamper::WrongHash {
                module: "a@v1.0.0".into(),
                line: SumLine::Zip
            })
        );
        assert_eq!(
            "bad-signature".parse(),
            Ok(Tamper::BadSignature(BadSignature::Corrupt))
        );
        for bad in [
            "",
            "wrong-hash",
            "wrong-hash=a",
            "wrong-hash=a@v1:mod",
            "bad-signature=x",
            "corrupt-tile=1",
            "stale-head",
            "rollback=-1",
            "explode",
        ] {
            assert!(bad.parse::<Tamper>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_signers_keep_or_change_the_key_id() {
        let good = Signer::new(super::super::SIGNER_KEY).unwrap();
        let corrupt = CorruptSigner(&good);
        assert_eq!(NoteSigner::name(&corrupt), good.name());
        assert_eq!(NoteSigner::key_hash(&corrupt), good.key_hash());
        assert_ne!(corrupt.sign_bytes(b"x\n"), good.sign_bytes(b"x\n"));
        let other = other_key_signer(good.name()).unwrap();
        assert_eq!(other.name(), good.name());
        assert_ne!(other.key_hash(), good.key_hash());
    }
}
