//! go.sum parsing: no input panics, and what parses writes out as go.sum text that
//! parses back to the same content (Go's `readGoSum` and `WriteGoSum`).

#![no_main]

use gomodfetch::gosum::GoSum;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sum) = GoSum::parse("go.sum", data) else {
        return;
    };
    let written = sum.write(&[]);
    let again = GoSum::parse("go.sum", &written).expect("written go.sum parses");
    assert_eq!(again.write(&[]), written);
    assert_eq!(again.len(), sum.len());
    for key in sum.keys() {
        // Keys are handed out as text, lossy where the bytes are not UTF-8.
        if !key.path.contains('\u{fffd}') && !key.version.contains('\u{fffd}') {
            assert!(again.contains(&key), "{key} lost");
            assert!(
                again
                    .hashes(&key)
                    .eq(sum.hashes(&key).collect::<std::collections::BTreeSet<_>>())
            );
        }
    }
    // Writing go.work.sum leaves out every key a workspace module's go.sum holds.
    assert!(sum.write(&[again]).is_empty());
    let _ = sum.to_string();
});
