//! SVG to PNG with `resvg`, in the font that ships with Alliance
//! (`assets/fonts/DejaVuSans.ttf`, its licence beside it): no system font
//! is looked for, so the picture is the same on every machine.

use resvg::{tiny_skia, usvg};
use std::sync::{Arc, OnceLock};

/// The font every picture is drawn in.
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut fonts = usvg::fontdb::Database::new();
        fonts.load_font_data(FONT.to_vec());
        usvg::Options {
            font_family: "DejaVu Sans".into(),
            fontdb: Arc::new(fonts),
            ..usvg::Options::default()
        }
    })
}

/// Why a picture could not be drawn (a bug: the SVG is ours).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the picture's SVG did not parse: {0}")]
    Svg(String),
    #[error("the picture is too large to draw")]
    Size,
    #[error("the picture could not be encoded as PNG: {0}")]
    Png(String),
}

/// Draws `svg` at its own size and encodes it as PNG.
pub fn render(svg: &str) -> Result<Vec<u8>, RenderError> {
    let tree = usvg::Tree::from_str(svg, options()).map_err(|e| RenderError::Svg(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).ok_or(RenderError::Size)?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| RenderError::Png(e.to_string()))
}
