//! Rebuilds when files the binary embeds are added or removed: refinery's
//! `embed_migrations!` and rust-embed read folders at compile time, and cargo does not watch
//! a folder for new files on its own.

fn main() {
    for dir in ["migrations", "templates", "assets"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
