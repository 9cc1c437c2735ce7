//! Parsing of `X,Y,Z` patient points.

/// Parses `X,Y,Z` (mm, LPS) into three finite numbers.
pub fn parse_point(s: &str) -> Result<[f64; 3], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() != 3 {
        return Err(format!("expected X,Y,Z in mm, got '{s}'"));
    }
    let mut p = [0.0; 3];
    for (v, part) in p.iter_mut().zip(&parts) {
        *v = part
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{part}' is not a number (expected X,Y,Z in mm)"))?;
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::parse_point;

    #[test]
    fn parses_negative_and_rejects_garbage() {
        assert_eq!(parse_point("-10.5, 2,3e1"), Ok([-10.5, 2.0, 30.0]));
        assert!(parse_point("1,2").is_err());
        assert!(parse_point("1,x,3").is_err());
        assert!(parse_point("1,NaN,3").is_err());
    }
}
