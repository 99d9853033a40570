//! Portable SQL for the pipeline and the drill-down: one dialect object per backend that spells integer
//! division, rounding and casts the way each database needs them.
//!
//! Everything is integer ten-thousandths, so rounding is integer arithmetic (half away from zero, exactly as
//! `domain::accounting::valuation`): PostgreSQL and SQLite divide integers with `/`, MySQL with `DIV`; PostgreSQL's and
//! MySQL's `SUM` of a BIGINT is a NUMERIC/DECIMAL, cast back before it is divided.
use crate::domain::accounting::dimension::DeptField;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement, Value};

#[derive(Debug, Clone, Copy)]
pub struct Dialect(pub DbBackend);

impl Dialect {
    pub fn of(conn: &impl ConnectionTrait) -> Self {
        Self(conn.get_database_backend())
    }

    fn idiv(self) -> &'static str {
        match self.0 {
            DbBackend::MySql => "DIV",
            _ => "/",
        }
    }

    /// `CAST(expr AS <64-bit integer>)`.
    pub fn int(self, expr: &str) -> String {
        match self.0 {
            DbBackend::MySql => format!("CAST({expr} AS SIGNED)"),
            DbBackend::Postgres => format!("CAST({expr} AS BIGINT)"),
            _ => format!("CAST({expr} AS INTEGER)"),
        }
    }

    /// `SUM(expr)` as a 64-bit integer.
    pub fn sum(self, expr: &str) -> String {
        self.int(&format!("SUM({expr})"))
    }

    /// `a × w ÷ 10000`, rounded half away from zero: a value from an amount (or quantity) and a weight, without
    /// an intermediate wider than the result (`a × w` overflows BIGINT far below the values the columns hold).
    /// As `domain::accounting::valuation::mul_in_i64`: `a = q·10000 + r` with `q` and `r` of `a`'s sign, so `q·w + round(r·w
    /// ÷ 10000)` is the rounded product. `a` and `w` are column names or simple expressions (each appears twice).
    pub fn mul(self, a: &str, w: &str) -> String {
        let d = self.idiv();
        format!(
            "((({a}) {d} 10000) * ({w}) + {})",
            self.scaled(&format!("(({a}) % 10000) * ({w})"))
        )
    }

    /// `expr ÷ 10000`, rounded half away from zero: the product of two ten-thousandths values.
    pub fn scaled(self, expr: &str) -> String {
        let d = self.idiv();
        format!(
            "(CASE WHEN ({expr}) >= 0 THEN (({expr}) + 5000) {d} 10000 ELSE -((5000 - ({expr})) {d} 10000) END)"
        )
    }

    /// `part ÷ whole` in ten-thousandths, rounded half away from zero; NULL when `whole` is 0 or NULL. As
    /// `domain::accounting::valuation::ratio_in_i64`: long division of |part| by |whole| (the integer part, then four digits,
    /// each from a remainder times 10) and a last comparison for the rounding, so nothing is wider than
    /// 10·|whole| or the result (`2·|part|·10000` overflowed BIGINT past 46 billion yuan).
    pub fn ratio(self, part: &str, whole: &str) -> String {
        let d = self.idiv();
        let (p, w) = (format!("ABS({part})"), format!("ABS({whole})"));
        let mut digits = format!("(({p}) {d} ({w})) * 10000");
        let mut rest = format!("(({p}) % ({w}))");
        for place in [1_000, 100, 10, 1] {
            digits = format!("{digits} + (({rest}) * 10 {d} ({w})) * {place}");
            rest = format!("((({rest}) * 10) % ({w}))");
        }
        let q = format!("({digits} + CASE WHEN {rest} >= ({w}) - {rest} THEN 1 ELSE 0 END)");
        format!(
            "(CASE WHEN ({whole}) IS NULL OR ({whole}) = 0 OR ({part}) IS NULL THEN NULL \
             WHEN (({part}) >= 0 AND ({whole}) > 0) OR (({part}) < 0 AND ({whole}) < 0) THEN {q} \
             ELSE -{q} END)"
        )
    }

    /// A statement written with `?` placeholders, renumbered `$1…` for PostgreSQL. The SQL of this module
    /// holds no `?` inside literals.
    pub fn stmt(self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = if self.0 == DbBackend::Postgres {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        } else {
            sql.to_owned()
        };
        Statement::from_sql_and_values(self.0, sql, values)
    }

    pub async fn exec(
        self,
        conn: &impl ConnectionTrait,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<ExecResult, DbErr> {
        conn.execute_raw(self.stmt(sql, values)).await
    }

    pub async fn all(
        self,
        conn: &impl ConnectionTrait,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<QueryResult>, DbErr> {
        conn.query_all_raw(self.stmt(sql, values)).await
    }

    pub async fn one(
        self,
        conn: &impl ConnectionTrait,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Option<QueryResult>, DbErr> {
        conn.query_one_raw(self.stmt(sql, values)).await
    }
}

// The credit rule: a charge line `c` counts, for the department its `dept_column(field)` names, towards every
// CHARGE leaf `n` that reads that department field ([`credited_leaf`]), that its item is mapped to in the
// model version (`m.node_id = n.id AND m.item_code = c.item_code`), and whose business-type scope takes the
// line's business type ([`TAKES_BUSINESS_TYPE`]). GENERATE_DETAILS and the drill-down from charge lines both
// spell it with these, so a cell and its drill-down cannot disagree; GENERATE_DETAILS' single pass on
// PostgreSQL names both fields' departments at once ([`CREDITED_DEPARTMENT_CODE`]), the same rule for every
// leaf (the drill-down tests compare the two sources cell by cell).

/// The department field of a charge line that a CHARGE node credits, as its `charge_details` column.
pub fn dept_column(field: DeptField) -> &'static str {
    match field {
        DeptField::Prescribing => "prescribing_dept_code",
        _ => "executing_dept_code",
    }
}

/// The leaves `n` that credit a line's department `field`.
pub fn credited_leaf(field: DeptField) -> String {
    format!("n.kind = 'CHARGE' AND n.dept_field = '{}'", field.as_str())
}

/// The code of the department a CHARGE node `n` credits a charge line `c` to: the line's field the node reads.
pub const CREDITED_DEPARTMENT_CODE: &str = "CASE n.dept_field WHEN 'PRESCRIBING' THEN c.prescribing_dept_code \
     WHEN 'EXECUTING' THEN c.executing_dept_code END";

/// A leaf `n` takes a charge line `c` of its business-type scope.
pub const TAKES_BUSINESS_TYPE: &str =
    "(n.business_type_scope = 'ALL' OR n.business_type_scope = c.business_type)";

/// The business type a charge line keeps under a node: its own for nodes that split, `''` otherwise.
pub const KEPT_BUSINESS_TYPE: &str =
    "CASE WHEN n.splits_business_type THEN c.business_type ELSE '' END";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered() {
        let s = Dialect(DbBackend::Postgres).stmt("a = ? AND b = ?", vec![1.into(), 2.into()]);
        assert_eq!(s.sql, "a = $1 AND b = $2");
        let s = Dialect(DbBackend::MySql).stmt("a = ?", vec![1.into()]);
        assert_eq!(s.sql, "a = ?");
    }
}
