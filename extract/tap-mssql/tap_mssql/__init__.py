"""tap-mssql: a Singer tap that copies SQL Server tables faithfully (pymssql/FreeTDS)."""
