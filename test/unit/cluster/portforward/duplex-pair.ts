// TEST FIXTURE: an in-memory connection for driving the SPDY server without sockets.
import { Duplex } from 'node:stream';

/** Two in-memory ends of a connection: each end's write arrives as the other's read, end() as its end,
 * destroy() destroys both; a write completes only when the reader has room (backpressure, as TCP). */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const waiting: Array<(() => void) | null> = [null, null];
  const make = (me: number) => {
    const other = () => ends[1 - me];
    return new Duplex({
      allowHalfOpen: true,
      read() {
        const release = waiting[1 - me];
        waiting[1 - me] = null;
        release?.();
      },
      write(chunk, _enc, done) {
        if (other().push(chunk)) done();
        else waiting[me] = () => done();
      },
      final(done) { other().push(null); done(); },
      destroy(err, done) { other().destroy(); done(err); }, // like a TCP reset
    });
  };
  ends.push(make(0), make(1));
  return [ends[0], ends[1]];
}
