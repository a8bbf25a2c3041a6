// Module Store: SQLite experiment store (schema, migrations, queries).
// See DEVELOPERS.md for the module map; docs/ holds the module guides.
