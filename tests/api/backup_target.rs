//! `accounts backup FILE` writes only a new, owner-only file: never through a
//! symbolic link, which could point anywhere (another user's planted link
//! would otherwise receive every password hash).

use std::os::unix::fs::symlink;

use crate::helpers::{PASSWORD, spawn_app};

#[test]
fn backup_refuses_a_dangling_symbolic_link_and_creates_nothing_where_it_points() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let pointed_at = app.dir().join("planted.db");
    let link = app.dir().join("backup.db");
    symlink(&pointed_at, &link).expect("create a dangling symlink");

    app.cli()
        .run(&["backup", &link.to_string_lossy()])
        .assert_failure_with_one_line();

    assert!(
        !pointed_at.exists(),
        "the backup was written through the link to {}",
        pointed_at.display()
    );
}

#[test]
fn backup_refuses_a_symbolic_link_to_an_existing_file_and_leaves_the_file_alone() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let pointed_at = app.dir().join("precious.txt");
    std::fs::write(&pointed_at, b"keep me").expect("write a file");
    let link = app.dir().join("backup.db");
    symlink(&pointed_at, &link).expect("create a symlink");

    app.cli()
        .run(&["backup", &link.to_string_lossy()])
        .assert_failure_with_one_line();

    assert_eq!(std::fs::read(&pointed_at).expect("read"), b"keep me");
}
