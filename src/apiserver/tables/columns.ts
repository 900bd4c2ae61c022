// The pieces every printer is made of: a column definition, the Name and
// Age columns, and the cells they hold.
import { age } from './format.ts';

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority?: number;
}

export interface Printer {
  columns: Column[];
  row(obj: any, now: Date): unknown[];
}

export const col = (name: string, description: string, type: Column['type'] = 'string', priority = 0, format = ''): Column => ({ name, type, format, description, priority });
export const NAME = col('Name', 'Name must be unique within a namespace.', 'string', 0, 'name');
export const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

export const name = (o: any) => o.metadata?.name;
export const created = (o: any, now: Date) => age(o.metadata?.creationTimestamp, now);
