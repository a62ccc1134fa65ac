-- The admin lists variants by position, the key breaking ties; with both in one index a deep
-- page (OFFSET 49,900 of 100,000) is read from the index alone instead of sorting the table.
-- It serves every lookup by position the old single-column index did.
CREATE INDEX genphen_variant_position_key_idx ON genphen_variant (position, variant_id);
DROP INDEX genphen_variant_position_idx;
