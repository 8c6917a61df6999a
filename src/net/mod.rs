//! Connection helpers: `open_clientfd`, `open_listenfd` and their builders.
