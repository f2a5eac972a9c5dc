"""kombu's Redis ack emulation with each delivery record and each ack as one script call on a kept connection.

kombu's `QoS` records every delivered message as unacked with a MULTI/EXEC pipeline (ZADD
unacked_index, HSET unacked) and forgets it on ack with another (ZREM, HDEL): per pipeline a Pipeline
object, a pool checkout (with a readability poll), four commands packed and four replies parsed. Here
each is one EVALSHA of a two-command Lua script on one connection this QoS keeps: the same keys, the
same members, scores and values, applied atomically as MULTI/EXEC applied them, so the visibility
timeout (`restore_visible`), `restore_unacked`, `restore_by_tag` and requeueing rejects run kombu's
code unchanged.

A call that fails for any reason runs kombu's pipeline instead (both writes are idempotent, so a
script that ran before its reply was lost does no harm); the next call connects again. NOSCRIPT (a
restarted or flushed Redis) is answered with EVAL, which loads the script again; a server that refuses scripts otherwise (ACL, a
renamed command) gets kombu's pipelines from then on. So does a channel with a credential provider
(its tokens are kombu's and redis-py's business). A `global_keyprefix` is put in front of both keys,
as kombu's prefixing client does for ZADD, HSET, ZREM and HDEL.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from time import time

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual
from redis.exceptions import NoScriptError, ResponseError

logger = logging.getLogger(__name__)

# KEYS: unacked_index, unacked. ARGV: score, delivery tag, [payload, exchange, routing key] as JSON.
RECORD = b"redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])"
# KEYS: unacked_index, unacked. ARGV: delivery tag.
FORGET = b"redis.call('ZREM', KEYS[1], ARGV[1]) redis.call('HDEL', KEYS[2], ARGV[1])"
SHAS = {script: hashlib.sha1(script).hexdigest() for script in (RECORD, FORGET)}


class QoS(kombu_redis.QoS):
    _connection = None  # a redis-py Connection taken from the channel's pool and never given back
    _connection_pool = None
    _connection_pid = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()  # a thread pool's workers ack from their own threads
        self._scripted = not self.channel.pool.connection_kwargs.get("credential_provider")
        prefix = self.channel.global_keyprefix
        self._keys = (prefix + self.unacked_index_key, prefix + self.unacked_key)

    def append(self, message, delivery_tag):
        if self._scripted:
            delivery = message.delivery_info
            record = kombu_redis.dumps([message._raw, delivery["exchange"], delivery["routing_key"]])
            if self._run(RECORD, repr(time()), delivery_tag, record):
                virtual.QoS.append(self, message, delivery_tag)
                return
        super().append(message, delivery_tag)

    def ack(self, delivery_tag):
        if self._scripted and self._run(FORGET, delivery_tag):
            virtual.QoS.ack(self, delivery_tag)
            return
        super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        if not requeue and self._scripted and self._run(FORGET, delivery_tag):
            virtual.QoS.ack(self, delivery_tag)  # what kombu's reject does after its pipeline
            return
        super().reject(delivery_tag, requeue=requeue)

    def _run(self, script: bytes, *args: str) -> bool:
        """Run `script` on the unacked keys; False (and kombu's pipeline is the caller's to run) when
        it may not have run."""
        with self._lock:
            try:
                connection = self._kept_connection()
                try:
                    connection.send_command("EVALSHA", SHAS[script], 2, *self._keys, *args)
                    connection.read_response()
                except NoScriptError:
                    connection.send_command("EVAL", script, 2, *self._keys, *args)
                    connection.read_response()
                return True
            # Refused (ACL, no such command); or WRONGTYPE, which the pipeline would get too.
            except ResponseError as error:
                logger.warning("Redis refused the unacked-index script (%s): using kombu's pipelines", error)
                self._scripted = False
            except Exception as error:  # redis-py closed the connection (it does on any error mid-command)
                logger.warning("unacked-index script failed (%r): kombu's pipeline instead", error)
            return False

    def _kept_connection(self):
        pool = self.channel.pool  # a new one after kombu drops it (close, reconnect, fork)
        if (
            self._connection is None
            or self._connection_pool is not pool
            or self._connection_pid != os.getpid()
        ):
            self._connection = pool.get_connection()
            self._connection_pool, self._connection_pid = pool, os.getpid()
        return self._connection
