use std::io::Read;
use std::io::Result as IoResult;
use std::sync::mpsc::channel;
use std::sync::mpsc::{Receiver, Sender};

/// A `Reader` that reads exactly the number of bytes from a sub-reader.
///
/// If the limit is reached, it returns EOF. If the limit is not reached
/// when the destructor is called, the remaining bytes will be read and
/// thrown away.
pub struct EqualReader<R>
where
    R: Read,
{
    reader: R,
    size: usize,
    last_read_signal: Sender<IoResult<()>>,
}

impl<R> EqualReader<R>
where
    R: Read,
{
    pub fn new(reader: R, size: usize) -> (EqualReader<R>, Receiver<IoResult<()>>) {
        let (tx, rx) = channel();

        let r = EqualReader {
            reader,
            size,
            last_read_signal: tx,
        };

        (r, rx)
    }
}

impl<R> Read for EqualReader<R>
where
    R: Read,
{
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        if self.size == 0 {
            return Ok(0);
        }

        let buf = if buf.len() < self.size {
            buf
        } else {
            &mut buf[..self.size]
        };

        match self.reader.read(buf) {
            Ok(len) => {
                self.size -= len;
                Ok(len)
            }
            err @ Err(_) => err,
        }
    }
}

// Patched for `accounts` (see PATCHES.md, patches 2 and 9): the original
// drained the unread rest of the body when dropped, allocating a buffer of
// the whole declared remainder at once (`vec![0; remaining]`), so a request
// declaring `Content-Length: 1000000000000` aborted the process; patch 2
// bounded it. Now nothing is drained: the request that owned the body closes
// the connection instead (see `Body` in request.rs), so an unread body costs
// neither the application's thread nor the client's pace, and no part of it
// is ever read as a request.

#[cfg(test)]
mod tests {
    use super::EqualReader;
    use std::io::Read;

    #[test]
    fn test_limit() {
        use std::io::Cursor;

        let mut org_reader = Cursor::new("hello world".to_string().into_bytes());

        {
            let (mut equal_reader, _) = EqualReader::new(org_reader.by_ref(), 5);

            let mut string = String::new();
            equal_reader.read_to_string(&mut string).unwrap();
            assert_eq!(string, "hello");
        }

        let mut string = String::new();
        org_reader.read_to_string(&mut string).unwrap();
        assert_eq!(string, " world");
    }

    #[test]
    fn test_not_enough() {
        use std::io::Cursor;

        let mut org_reader = Cursor::new("hello world".to_string().into_bytes());

        {
            let (mut equal_reader, _) = EqualReader::new(org_reader.by_ref(), 5);

            let mut vec = [0];
            equal_reader.read_exact(&mut vec).unwrap();
            assert_eq!(vec[0], b'h');
        }

        // Patched for `accounts` (PATCHES.md, patch 9): the unread rest is
        // left where it is (the connection is closed instead); upstream
        // drained it, leaving " world".
        let mut string = String::new();
        org_reader.read_to_string(&mut string).unwrap();
        assert_eq!(string, "ello world");
    }

    /// Patch 2, then 9: a huge declared remainder is neither allocated nor
    /// read when the reader is dropped.
    #[test]
    fn dropping_a_huge_unread_remainder_reads_nothing() {
        use std::io::Cursor;

        let mut org_reader = Cursor::new(vec![b'a'; 100]);
        {
            let (mut equal_reader, _) = EqualReader::new(org_reader.by_ref(), 1_000_000_000_000);
            let mut first = [0; 10];
            equal_reader.read_exact(&mut first).unwrap();
        }
        assert_eq!(org_reader.position(), 10);
    }
}
