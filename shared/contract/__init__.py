"""The public contract's rules, written once: what the services accept, what the gateway's
OpenAPI document publishes and what the web forms offer all come from here (docs/api.md).

- `accounts`: e-mail and name patterns, password and name lengths;
- `catalogue`: conditions, the fixed category list, ISO 639-1 languages, listing limits, sorts;
- `orders`: quantities, order statuses;
- `paging`: page and page-size bounds of every list.

Pure data and pure functions: no I/O, importable by every process and by tests.
"""
