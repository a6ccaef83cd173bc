import { Testing } from 'cdktf';
import { KeylessStack, loadAccessModel } from '../src/index.js';
for (const env of ['dev','prod']) {
const model = loadAccessModel(new URL(`../../../apps/${env}/access.yaml`, import.meta.url));
const app = Testing.app();
const stack = new KeylessStack(app, env, { access: model });
const out = JSON.parse(Testing.synth(stack));
const r = out.resource;
delete r.aws_iam_role;
console.log(env, JSON.stringify(r, null, 1));
console.log(JSON.stringify(out.terraform));
}
