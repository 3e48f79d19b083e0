{{ config(alias='rejects') }}

{{ rejected_rows([
    {'table': 'alembic_version', 'checked': ref('int_coldchain__alembic_version_checked'),
     'raw': source('coldchain', 'alembic_version'), 'key': ['version_num']},
    {'table': 'users', 'checked': ref('int_coldchain__users_checked'),
     'raw': source('coldchain', 'users'), 'key': ['id']},
    {'table': 'clients', 'checked': ref('int_coldchain__clients_checked'),
     'raw': source('coldchain', 'clients'), 'key': ['id']},
    {'table': 'drivers', 'checked': ref('int_coldchain__drivers_checked'),
     'raw': source('coldchain', 'drivers'), 'key': ['id']},
    {'table': 'vehicles', 'checked': ref('int_coldchain__vehicles_checked'),
     'raw': source('coldchain', 'vehicles'), 'key': ['id']},
    {'table': 'orders', 'checked': ref('int_coldchain__orders_checked'),
     'raw': source('coldchain', 'orders'), 'key': ['id']},
    {'table': 'dispatches', 'checked': ref('int_coldchain__dispatches_checked'),
     'raw': source('coldchain', 'dispatches'), 'key': ['id']},
]) }}
