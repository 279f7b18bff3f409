"""Tables derived from others and kept up in the writes' own transactions: shared helpers.

The ledger's monthly sums (`impact.summaries`) and the storefront's listing and
counts (`catalog.listing`) are each kept up by an event hook in the transaction
that changes what they sum, and each can be compared with, and rebuilt from,
the rows it derives from. The shapes are the same, so are these helpers:

- `adding_upsert`: INSERT … ON CONFLICT (key) DO UPDATE adding to the stored
  numbers, for the dialect (PostgreSQL takes the row's lock, SQLite writes one
  transaction at a time, so concurrent writers never lose one another's sums);
- `replace_rows`: every row replaced by a SELECT's;
- `differences`: the rows one side has and the other lacks, worked out in SQL;
- `check_or_rebuild`: what a `flask … --check` command prints and exits with.
"""

import click
from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy import union_all as sql_union_all


def dialect_insert(connection):
    """The INSERT construct with ON CONFLICT of the connection's dialect."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert_
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert_
    return dialect_insert_


def adding_upsert(connection, table, key_columns, added_columns):
    """INSERT into `table`, or add the new values of `added_columns` to the row of the same key."""
    statement = dialect_insert(connection)(table)
    return statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: table.c[name] + statement.excluded[name] for name in added_columns},
    )


def replace_rows(connection, table, columns, rows):
    """Replace every row of `table` by the SELECT `rows` (of `columns`); returns the row count."""
    connection.execute(delete(table))
    connection.execute(insert(table).from_select(list(columns), rows))
    return connection.execute(select(func.count()).select_from(table)).scalar()


def differences(connection, stored, found, limit=20, found_side="found"):
    """(number of rows that differ, up to `limit` of them) between two SELECTs of the same columns.

    Worked out in SQL (EXCEPT both ways), so large tables are compared without
    loading them. Each row: ("stored" | `found_side`, *columns), the side it is on alone.
    """
    only_stored = stored.except_(found).subquery()
    only_found = found.except_(stored).subquery()
    both = sql_union_all(
        select(literal("stored").label("side"), *only_stored.c),
        select(literal(found_side).label("side"), *only_found.c),
    ).subquery()
    count = connection.execute(select(func.count()).select_from(both)).scalar()
    sample = connection.execute(select(both).limit(limit)).all() if count else []
    return count, [tuple(row) for row in sample]


def check_or_rebuild(session, what, source, compare, rebuild, check):
    """Compare a derived table with its source; with `check`, exit 1 if they differ, else rebuild.

    `compare()` returns (count, sample rows) as `differences` does; `rebuild()`
    the number of rows written. The rebuild is committed only when the table
    then matches its source.
    """
    count, sample = compare()
    click.echo(f"{count} {what} row(s) differ from the {source}")
    for row in sample:
        click.echo(f"  only in {row[0]}: {row[1:]}")
    if check:
        raise SystemExit(1 if count else 0)
    written = rebuild()
    count, _sample = compare()
    if count:
        session.rollback()
        raise click.ClickException(f"{count} row(s) still differ after the rebuild; nothing saved")
    session.commit()
    click.echo(f"rebuilt {written} {what} row(s) from the {source}; they match it")
