//! DOCX and ODT: a zip archive of XML parts, read with `zip` and `quick-xml` within the
//! limits on entries, unzipped bytes and nesting, so a zip bomb or a document nested a
//! hundred thousand levels deep is an outcome, not an exhausted worker.

use std::io::{Cursor, Read};

use quick_xml::events::Event;
use zip::ZipArchive;

use super::{Extraction, Kind, Outcome};
use crate::config::Limits;

/// Tells DOCX from ODT from another zip by the names in its local headers (stored
/// uncompressed): no archive is parsed in the parent.
pub(super) fn sniff_zip(bytes: &[u8]) -> Result<Kind, String> {
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if has(b"mimetypeapplication/vnd.oasis.opendocument.text") {
        Ok(Kind::Odt)
    } else if has(b"word/document.xml") {
        Ok(Kind::Docx)
    } else if has(b"xl/workbook.xml")
        || has(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet")
    {
        Err("a spreadsheet".into())
    } else if has(b"ppt/presentation.xml")
        || has(b"mimetypeapplication/vnd.oasis.opendocument.presentation")
    {
        Err("a presentation".into())
    } else {
        Err("a zip archive, not a DOCX or ODT document".into())
    }
}

fn failed(reason: impl Into<String>) -> Extraction {
    Extraction::of(
        None,
        Outcome::Failed {
            reason: reason.into(),
        },
    )
}

fn too_large(reason: String) -> Extraction {
    Extraction::of(None, Outcome::TooLarge { reason })
}

/// Reads one entry, at most the unzipped-bytes limit; `None` when the archive has no
/// such entry.
fn entry(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    name: &str,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, Extraction> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(failed(format!("the document's {name} cannot be read: {e}"))),
    };
    if file.encrypted() {
        return Err(Extraction::of(None, Outcome::Encrypted));
    }
    let cap = limits.extract_max_unzipped_bytes;
    let mut out = Vec::new();
    file.take(cap + 1).read_to_end(&mut out).map_err(|e| {
        failed(if e.kind() == std::io::ErrorKind::OutOfMemory {
            format!(
                "unzipping its {name} needed more than {} MB of memory ([limits] extract_memory_mb)",
                limits.extract_memory_mb
            )
        } else {
            format!("the document's {name} cannot be unzipped: {e}")
        })
    })?;
    if out.len() as u64 > cap {
        return Err(too_large(format!(
            "its {name} unzips to more than {} MB ([limits] extract_max_unzipped_bytes)",
            cap / 1_000_000
        )));
    }
    Ok(Some(out))
}

/// The text of a DOCX or ODT document.
pub(super) fn extract(kind: Kind, bytes: &[u8], limits: &Limits) -> Extraction {
    let mut archive = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(e) => return failed(format!("not a readable zip archive: {e}")),
    };
    if archive.len() > limits.extract_max_zip_entries {
        return too_large(format!(
            "{} entries in the archive, over {} ([limits] extract_max_zip_entries)",
            archive.len(),
            limits.extract_max_zip_entries
        ));
    }
    let (body, meta) = match kind {
        Kind::Odt => ("content.xml", "meta.xml"),
        _ => ("word/document.xml", "docProps/core.xml"),
    };
    let xml = match entry(&mut archive, body, limits) {
        Ok(Some(xml)) => xml,
        Ok(None) => return failed(format!("the document has no {body}")),
        Err(outcome) => return outcome,
    };
    let mut text = match read_text(kind, &xml, limits) {
        Ok(text) => text,
        Err(outcome) => return outcome,
    };
    // The metadata's title, else the first heading.
    let title = match entry(&mut archive, meta, limits) {
        Ok(Some(meta)) => meta_title(&meta, limits),
        _ => None,
    }
    .or_else(|| text.heading.take());
    super::read(kind, None, None, title, text.body)
}

struct Text {
    body: String,
    heading: Option<String>,
}

/// Walks the body part: paragraphs, headings, tabs and breaks of either format.
fn read_text(kind: Kind, xml: &[u8], limits: &Limits) -> Result<Text, Extraction> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut body = String::new();
    let mut heading: Option<String> = None;
    // Inside a run's text (`w:t`), or an ODT paragraph or heading (text is direct).
    let mut in_text = 0usize;
    let mut paragraph = String::new();
    let mut paragraph_is_heading = false;
    let mut in_deleted = 0usize;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| failed(format!("the document's XML is malformed: {e}")))?;
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > limits.extract_max_xml_depth {
                    return Err(too_large(format!(
                        "its XML nests deeper than {} levels ([limits] extract_max_xml_depth)",
                        limits.extract_max_xml_depth
                    )));
                }
                let name = e.name().into_inner();
                match (kind, name) {
                    (Kind::Docx, "w:t") => in_text += 1,
                    (Kind::Docx, "w:del") => in_deleted += 1,
                    (Kind::Odt, "text:p" | "text:h") => {
                        in_text += 1;
                        paragraph_is_heading |= name == "text:h";
                    }
                    _ => {}
                }
            }
            Event::Empty(e) => match (kind, e.name().into_inner()) {
                (Kind::Docx, "w:tab") | (Kind::Odt, "text:tab") => paragraph.push('\t'),
                (Kind::Docx, "w:br" | "w:cr") | (Kind::Odt, "text:line-break") => {
                    paragraph.push('\n')
                }
                (Kind::Odt, "text:s") => paragraph.push(' '),
                (Kind::Docx, "w:pStyle") => {
                    if let Ok(Some(value)) = e.try_get_attribute("w:val") {
                        let style = value.value.to_lowercase();
                        paragraph_is_heading |= ["title", "heading", "titre", "titulo", "título"]
                            .iter()
                            .any(|h| style.contains(h));
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text > 0 && in_deleted == 0 => {
                paragraph.push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) if in_text > 0 && in_deleted == 0 => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    paragraph.push(c);
                } else {
                    match r.as_ref() {
                        "amp" => paragraph.push('&'),
                        "lt" => paragraph.push('<'),
                        "gt" => paragraph.push('>'),
                        "quot" => paragraph.push('"'),
                        "apos" => paragraph.push('\''),
                        _ => {}
                    }
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let end_of_paragraph = match (kind, e.name().into_inner()) {
                    (Kind::Docx, "w:t") => {
                        in_text = in_text.saturating_sub(1);
                        false
                    }
                    (Kind::Docx, "w:del") => {
                        in_deleted = in_deleted.saturating_sub(1);
                        false
                    }
                    (Kind::Docx, "w:p") => true,
                    (Kind::Odt, "text:p" | "text:h") => {
                        in_text = in_text.saturating_sub(1);
                        in_text == 0
                    }
                    _ => false,
                };
                if end_of_paragraph {
                    let line = paragraph.trim();
                    if paragraph_is_heading && heading.is_none() && !line.is_empty() {
                        heading = Some(line.to_string());
                    }
                    body.push_str(line);
                    body.push('\n');
                    paragraph.clear();
                    paragraph_is_heading = false;
                    if body.len() > limits.extract_max_chars.saturating_mul(4) {
                        break;
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !paragraph.trim().is_empty() {
        body.push_str(paragraph.trim());
    }
    Ok(Text { body, heading })
}

/// `dc:title` of DOCX's `docProps/core.xml` or ODT's `meta.xml`.
fn meta_title(xml: &[u8], limits: &Limits) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut in_title = false;
    let mut title = String::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => {
                depth += 1;
                if depth > limits.extract_max_xml_depth {
                    return None;
                }
                in_title = e.name().into_inner() == "dc:title";
            }
            Event::Text(t) if in_title => title.push_str(&t.xml10_content()),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if in_title {
                    break;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let title = title.trim().to_string();
    (!title.is_empty()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    #[test]
    fn docx_paragraphs_runs_tabs_and_the_first_heading() {
        let xml = format!(
            r#"<w:document {W}><w:body>
            <w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Migración &amp; desarrollo</w:t></w:r></w:p>
            <w:p><w:r><w:t xml:space="preserve">Las remesas </w:t></w:r><w:r><w:t>importan</w:t></w:r><w:r><w:tab/><w:t>.</w:t></w:r></w:p>
            <w:p><w:del><w:r><w:delText>borrado</w:delText></w:r></w:del><w:r><w:t>Fin</w:t></w:r></w:p>
            </w:body></w:document>"#
        );
        let text = read_text(Kind::Docx, xml.as_bytes(), &Limits::default()).expect("read");
        assert_eq!(
            text.body,
            "Migración & desarrollo\nLas remesas importan\t.\nFin\n"
        );
        assert_eq!(text.heading.as_deref(), Some("Migración & desarrollo"));
    }

    #[test]
    fn odt_paragraphs_headings_and_spaces() {
        let xml =
            br#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>
            <text:h text:outline-level="1">Note</text:h>
            <text:p>La <text:span>protection</text:span><text:s/>consulaire</text:p>
            </office:text></office:body></office:document-content>"#;
        let text = read_text(Kind::Odt, xml, &Limits::default()).expect("read");
        assert_eq!(text.body, "Note\nLa protection consulaire\n");
        assert_eq!(text.heading.as_deref(), Some("Note"));
    }

    #[test]
    fn nesting_past_the_limit_is_an_outcome_not_a_stack_overflow() {
        let deep = format!(
            "<w:document {W}>{}{}</w:document>",
            "<w:p>".repeat(100_000),
            "</w:p>".repeat(100_000)
        );
        let limits = Limits::default();
        let Err(outcome) = read_text(Kind::Docx, deep.as_bytes(), &limits) else {
            panic!("read past the depth limit");
        };
        assert!(
            matches!(outcome.outcome, Outcome::TooLarge { .. }),
            "{outcome:?}"
        );
    }

    #[test]
    fn the_parent_tells_documents_apart_without_unzipping() {
        assert_eq!(
            sniff_zip(b"PK\x03\x04....mimetypeapplication/vnd.oasis.opendocument.text"),
            Ok(Kind::Odt)
        );
        assert_eq!(
            sniff_zip(b"PK\x03\x04....word/document.xml...."),
            Ok(Kind::Docx)
        );
        assert!(sniff_zip(b"PK\x03\x04....xl/workbook.xml").is_err());
        assert!(sniff_zip(b"PK\x03\x04....photo.jpg").is_err());
    }
}
