"""Paging a long, wide list by its keys first.

`Paginator(queryset)[page]` asks the database for the page's whole rows in the list's order: to
order, it reads every matching row (with its joins) and sorts them, so a search that matches five
times as many people costs five times as much even though the page shows 50. `KeysFirstPaginator`
asks for the page's primary keys in that order first — a query an index on the filtered and sorted
columns answers without reading a row — and then for those 50 rows by key.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator


class KeysFirstPaginator(Paginator):
    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        by_key = {row.pk: row for row in self._rows(keys)}
        return self._get_page([by_key[key] for key in keys if key in by_key], number, self)

    def _rows(self, keys):
        """The rows of `keys` with the list's joins and prefetches, looked up by key alone (the
        keys came from the scoped, filtered list; repeating its filters would let the database
        walk the filter's index again instead of the primary key)."""
        listed = self.object_list
        rows = listed.model._default_manager.filter(pk__in=keys)
        rows.query.select_related = listed.query.select_related
        return rows.prefetch_related(*listed._prefetch_related_lookups)
