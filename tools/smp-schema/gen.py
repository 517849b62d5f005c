import json
d=json.load(open('defs.json'))
def strip(x): return x.strip() if x else x
def refname(s):
    r=s.get('$ref')
    return r.split('/')[-1] if r else None
def prop_targets(ps):
    # defs referenced by this property schema (through ref, items, additionalProperties)
    out=[]
    r=refname(ps)
    if r: out.append(r)
    if 'items' in ps: out+=prop_targets(ps['items'])
    if 'additionalProperties' in ps: out+=prop_targets(ps['additionalProperties'])
    return out
def is_merge(ps):
    e=ps.get('ext') or {}
    return strip(e.get('x-kubernetes-patch-strategy'))=='merge' and 'array' in (ps.get('type') or [])
interesting=set()
changed=True
while changed:
    changed=False
    for n,s in d.items():
        if n in interesting: continue
        for p,ps in (s.get('properties') or {}).items():
            if is_merge(ps) or any(t in interesting for t in prop_targets(ps)):
                interesting.add(n);changed=True;break
        else:
            if 'additionalProperties' in s and any(t in interesting for t in prop_targets(s['additionalProperties'])):
                interesting.add(n);changed=True
print(len(interesting), sorted(interesting))
nodes=[None]  # 0 = opaque
defidx={}
def node_for_def(n):
    if n not in interesting: return 0
    if n in defidx: return defidx[n]
    idx=len(nodes); nodes.append(None); defidx[n]=idx
    s=d[n]
    props=[]
    for p,ps in sorted((s.get('properties') or {}).items()):
        props.append((p,node_for_prop(ps)))
    add=node_for_prop(s['additionalProperties']) if 'additionalProperties' in s else None
    nodes[idx]=dict(props=props,add=add,items=None,strategy='',keys=[])
    return idx
def node_for_prop(ps):
    r=refname(ps)
    if r: return node_for_def(r)
    interesting_here = is_merge(ps) or any(t in interesting for t in prop_targets(ps))
    if not interesting_here: return 0
    e=ps.get('ext') or {}
    strategy=strip(e.get('x-kubernetes-patch-strategy')) or ''
    keys=[]
    if e.get('x-kubernetes-list-map-keys'):
        keys=[l[2:].strip() for l in e['x-kubernetes-list-map-keys'].strip().split('\n')]
    elif e.get('x-kubernetes-patch-merge-key'):
        keys=[strip(e['x-kubernetes-patch-merge-key'])]
    idx=len(nodes); nodes.append(None)
    items=node_for_prop(ps['items']) if 'items' in ps else None
    add=node_for_prop(ps['additionalProperties']) if 'additionalProperties' in ps else None
    nodes[idx]=dict(props=[],add=add,items=items,strategy=strategy,keys=keys)
    return idx
gvks=[]
for n,s in sorted(d.items()):
    e=(s.get('ext') or {}).get('x-kubernetes-group-version-kind')
    if not e: continue
    # parse simple yaml list
    items=[];cur=None
    for line in e.strip().split('\n'):
        line=line.strip()
        if line.startswith('- '): cur={};items.append(cur);line=line[2:]
        k,v=line.split(':',1);cur[k.strip()]=v.strip().strip('"')
    for g in items:
        av=(g['group']+'/'+g['version']) if g['group'] else g['version']
        gvks.append((av,g['kind'],node_for_def(n)))
print(len(nodes),len(gvks))
o=[]
o.append('// Generated from the Kubernetes v1.21.2 OpenAPI document that kustomize embeds')
o.append('// (pruned to the paths that lead to merge-strategy lists).')
o.append('static NODES: &[SchemaNode] = &[')
o.append('    SchemaNode { props: &[], additional: NONE, items: NONE, strategy: "", keys: &[] },')
for nd in nodes[1:]:
    props=', '.join('("%s", %d)'%(p,i) for p,i in nd['props'])
    add='NONE' if nd['add'] is None else str(nd['add'])
    it='NONE' if nd['items'] is None else str(nd['items'])
    keys=', '.join('"%s"'%k for k in nd['keys'])
    o.append('    SchemaNode { props: &[%s], additional: %s, items: %s, strategy: "%s", keys: &[%s] },'%(props,add,it,nd['strategy'],keys))
o.append('];')
o.append('static GVKS: &[(&str, &str, u16)] = &[')
for av,k,i in sorted(set(gvks)):
    o.append('    ("%s", "%s", %d),'%(av,k,i))
o.append('];')
open('schema_gen.rs','w').write('\n'.join(o)+'\n')
