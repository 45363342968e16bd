"""Django's database cache with an increment that counts every request, for rate limits.

Django's DatabaseCache increments by reading the value and writing it back (and resets its
expiry): two requests at the same moment count as one, and a counter lives only as long as the
cache's default timeout. This backend locks the row before it reads, so concurrent increments
queue up and each one counts (PostgreSQL locks the row, SQLite the database), and it keeps the
row's expiry. The rate limits use it when no Redis server is configured (settings.CACHES
"ratelimit"); its table is created by the migration common.0001_ratelimit_cache_table.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, value_column, key_column = (
            quote(self._table),
            quote("value"),
            quote("cache_key"),
        )
        with transaction.atomic(using=db), connection.cursor() as cursor:
            # A write that changes nothing, to hold the lock until the transaction ends.
            cursor.execute(
                f"UPDATE {table} SET {value_column} = {value_column} WHERE {key_column} = %s",  # noqa: S608
                [key],
            )
            cursor.execute(
                f"SELECT {value_column}, {quote('expires')} FROM {table} "  # noqa: S608
                f"WHERE {key_column} = %s",
                [key],
            )
            row = cursor.fetchone()
            if row is None or self._expired(connection, row[1]):
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))  # noqa: S301
            value += delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {value_column} = %s WHERE {key_column} = %s",  # noqa: S608
                [encoded, key],
            )
        return value

    @staticmethod
    def _expired(connection, expires):
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < now()
