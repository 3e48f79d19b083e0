{{ config(alias='reconciliation') }}

{#- Where every Cold Chain source row ended up, per table (macros/contracts/reconciliation.sql). -#}
{{ reconciliation('coldchain', ['alembic_version', 'users', 'clients', 'drivers', 'vehicles',
                                'orders', 'dispatches']) }}
