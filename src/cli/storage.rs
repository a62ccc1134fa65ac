//! `tbseq storage …`: file store housekeeping from the command line.

use super::{open_db, StorageCommand};
use crate::config::Config;
use crate::db::migrate;
use crate::storage::housekeeping::{collect_garbage, sweep_temporary};
use crate::storage::FileStore;

pub async fn run_storage(config: Config, command: StorageCommand) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
    migrate::run(&db).await?;
    let store = FileStore::open(&config)?;
    match command {
        StorageCommand::Gc {
            delete,
            min_age_hours,
        } => {
            let orphans =
                collect_garbage(&store, &db, !delete, min_age_hours as i64 * 3600).await?;
            let bytes: u64 = orphans.iter().map(|o| o.size).sum();
            for o in &orphans {
                println!("{}\t{}", o.size, o.key);
            }
            let verb = if delete { "removed" } else { "would remove" };
            println!(
                "{verb} {} stored file(s) no row points to, {bytes} bytes, in {}",
                orphans.len(),
                store.location()
            );
            if !delete && !orphans.is_empty() {
                println!("(dry run: run `tbseq storage gc --delete` to remove them)");
            }
        }
        StorageCommand::SweepTemporary { max_age_hours } => {
            let hours = max_age_hours.unwrap_or(config.storage.temporary_max_age_hours());
            let removed = sweep_temporary(&store, &db, hours as i64 * 3600).await?;
            println!(
                "removed {} temporary upload(s) older than {hours} h",
                removed.len()
            );
        }
    }
    Ok(())
}
