import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a new SQL migration into migrations/ from the schema.
// An applied migration is never edited: change the schema and generate a new one.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/topology/store/schema.ts',
  out: './migrations',
});
