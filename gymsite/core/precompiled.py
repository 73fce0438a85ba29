"""One row by primary key, with its select_related rows, from SQL the ORM compiled once.

Authentication loads the request's user and gym on every request. Compiling that query
(the joins of select_related, the columns, the WHERE) costs more than PostgreSQL takes to
answer it (py-spy on daphne, bench/README.md "The request path"): the statement never
changes, only the id does. `PrecompiledGet` lets the ORM compile
`Model.objects.select_related(...).filter(pk=<id>)` once per database alias, keeps the SQL
and what ModelIterable needs to build the objects (the columns' converters, the model's
init list, the related populators), and then runs it with the id of each call. The rows
become model instances exactly as ModelIterable makes them (`from_db`, the related
populators), so the objects are the ones `.filter(pk=...).first()` returns.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db import connections
from django.db.models.query import get_related_populators

_SENTINEL_PK = 987654321987


@dataclass(frozen=True)
class _Compiled:
    sql: str
    converters: dict
    init_list: list[str]
    model_fields: tuple[int, int]
    related_populators: list


class PrecompiledGet:
    def __init__(self, model, *related: str):
        self.model = model
        self.related = related
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> _Compiled:
        queryset = self.model._default_manager.using(alias).select_related(*self.related).filter(pk=_SENTINEL_PK)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if list(params) != [_SENTINEL_PK]:
            raise ValueError(f"{self.model.__name__}: the query has other parameters than the id: {params}")
        select, klass_info = compiler.select, compiler.klass_info
        if compiler.annotation_col_map or klass_info["model"] is not self.model:
            raise ValueError(f"{self.model.__name__}: only plain rows with select_related are supported")
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Compiled(
            sql=sql,
            converters=compiler.get_converters([s[0] for s in select]),
            init_list=[column[0].target.attname for column in select[start:end]],
            model_fields=(start, end),
            related_populators=get_related_populators(klass_info, select, alias),
        )

    def compiled(self, alias: str) -> _Compiled:
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias)
                self._compiled[alias] = compiled
        return compiled

    def get(self, pk, *, using: str = "default"):
        """The instance with this primary key (its select_related objects loaded), or None."""
        compiled = self.compiled(using)
        connection = connections[using]
        value = self.model._meta.pk.get_db_prep_value(pk, connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, [value])
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            # SQLCompiler.apply_converters, for one row.
            row = list(row)
            for position, (functions, expression) in compiled.converters.items():
                for function in functions:
                    row[position] = function(row[position], expression, connection)
        start, end = compiled.model_fields
        obj = self.model.from_db(using, compiled.init_list, row[start:end])
        for populator in compiled.related_populators:
            populator.populate(row, obj)
        return obj
