import { Migration } from '@mikro-orm/migrations';

/**
 * Natural-language search (issue 16): statistics on the address expressions patientSearch filters
 * on. Their indexes are partial (active patients), and PostgreSQL takes no statistics from a
 * partial index, so it guessed 6 patients in Springfield where 2,016 live (10,000 patients) and
 * chose a nested loop that re-read every patient with the condition for each of them (200–500 ms;
 * a hash semi-join with these statistics takes 3–4 ms). Written by hand: MikroORM does not model
 * statistics objects.
 */
export class Migration20261207232000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create statistics "patients"."patient_address_place_stats" on ("patients"."search_normalize"("address"->>'city')), ("patients"."search_normalize"("address"->>'state')), (left("address"->>'postalCode', 5)) from "patients"."patient";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop statistics if exists "patients"."patient_address_place_stats";`);
  }
}
