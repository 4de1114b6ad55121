"""Inserting hundreds of thousands of rows in one transaction, for the Excel import.

bulk_create builds a model instance per row and prepares every value through its field, which
costs more than the database itself at 100,000 rows. Here each row is a plain tuple, only the
columns that need it (dates, decimals, datetimes) go through the backend's adapter, and values
that are the same for every row are prepared once. Callers stay inside their own
transaction.atomic(), so a failure still writes nothing.
"""

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import islice
from typing import Any

from django.db import connection, models

BATCH = 5000


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        # A sheet has a few hundred distinct deadlines over its hundreds of thousands of rows.
        return lru_cache(maxsize=4096)(ops.adapt_datefield_value)
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    return None


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    constants: dict[str, Any] | None = None,
) -> int:
    """Insert `rows` (tuples in the order of `columns`, field names) into the model's table.

    Every other concrete field takes its value from `constants`, or else its default. Returns
    the number of rows written.
    """
    meta = model._meta
    # Keyed by field name, so that "item_id" and "item" are the same column.
    given = {meta.get_field(name).name: meta.get_field(name) for name in columns}
    constants = {meta.get_field(name).name: value for name, value in (constants or {}).items()}
    if len(given) != len(columns) or given.keys() & constants.keys():
        raise ValueError("a column is given twice")
    for field in meta.concrete_fields:
        if field.primary_key or field.name in given or field.name in constants:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{meta.label}.{field.name} needs an explicit value")
        constants[field.name] = field.get_default()
    fixed = [meta.get_field(name) for name in constants]
    fixed_values = tuple(f.get_db_prep_save(constants[f.name], connection) for f in fixed)
    adapters = [(i, a) for i, f in enumerate(given.values()) if (a := _adapter(f))]
    names = [f.column for f in given.values()] + [f.column for f in fixed]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table), ", ".join(map(quote, names)), ", ".join(["%s"] * len(names))
    )

    def prepare(row: tuple) -> tuple:
        if adapters:
            row = list(row)
            for i, adapt in adapters:
                row[i] = adapt(row[i])
        return (*row, *fixed_values)

    written = 0
    prepared = map(prepare, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one statement. executemany sends one INSERT per row,
            # each executed, indexed and logged on its own: 45,000 rows took 20 s that way,
            # holding the import's transaction (and its WAL) open for the whole time.
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                quote(meta.db_table), ", ".join(map(quote, names))
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for values in prepared:
                    copy.write_row(values)
                    written += 1
            return written
        while batch := list(islice(prepared, BATCH)):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written
