//! Raw bytes all the way to a stored submission: parse, classify, trim, detect the
//! language, route, and write to a real store. Any panic or abort is a finding.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use hubmail::config::Config;
use hubmail::ingest;
use hubmail::mailbox::{Incoming, RawMessage};
use hubmail::model::Origin;
use hubmail::store::Store;
use libfuzzer_sys::fuzz_target;

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    config: Config,
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), Duration::from_secs(5)).expect("store");
    let mut config = Config::embedded();
    config.limits.max_parts = 200;
    World {
        _dir: dir,
        store,
        config,
    }
});

fuzz_target!(|data: &[u8]| {
    let world = &*WORLD;
    let incoming = Incoming {
        raw: RawMessage::InMemory(data.to_vec()),
        origin: Origin {
            source: "fuzz".into(),
            location: "fuzz".into(),
        },
        handle: String::new(),
    };
    // Only store errors may come back; bad input must end in a state.
    let _ = ingest::process(&world.config, &world.store, &incoming).expect("no store error");
});
