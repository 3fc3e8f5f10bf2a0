//! JSON text as riskpath writes it: pretty-printed, with a final newline, and no negative zero.
//! Every JSON output goes through [`pretty`], so a sum over nothing (which is −0.0) prints as 0.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

/// `value` as pretty JSON with a final newline; −0.0 is written as `0.0`.
pub fn pretty(value: &(impl Serialize + ?Sized)) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, NoNegativeZero(PrettyFormatter::new()));
    value.serialize(&mut ser)?;
    out.push(b'\n');
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// serde_json's pretty formatter, writing negative zero as zero (they are equal as numbers; a
/// reader should not see a sign on nothing).
struct NoNegativeZero(PrettyFormatter<'static>);

impl Formatter for NoNegativeZero {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        self.0.write_f64(writer, if value == 0.0 { 0.0 } else { value })
    }
    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        self.0.write_f32(writer, if value == 0.0 { 0.0 } else { value })
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_zero_is_written_as_zero_and_the_layout_is_serde_jsons() {
        let empty: f64 = std::iter::empty::<f64>().sum();
        assert!(empty.is_sign_negative(), "an empty f64 sum is −0.0: the cause this module guards against");
        let value = serde_json::json!({"b": [empty, -0.0, 1.5, -2.0], "a": {"x": empty, "y": []}, "c": {}});
        let text = pretty(&value).unwrap();
        assert!(!text.contains("-0"), "{text}");
        assert_eq!(text, serde_json::to_string_pretty(&value).unwrap().replace("-0.0", "0.0") + "\n");
        assert!(text.contains("-2.0") && text.contains("1.5"));
    }
}
