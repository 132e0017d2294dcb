export interface WorkflowProblem {
  file: string;
  line: number;
  column: number;
  rule: 'yaml' | 'permissions' | 'pin' | 'run-expression';
  message: string;
}
export const OWN_REPOSITORY: string;
export function checkWorkflow(source: string, file: string): WorkflowProblem[];
