import sys, json
data=open('/tmp/helperA/swagger_61277152.bin','rb').read()
def varint(b,i):
    r=0;s=0
    while True:
        c=b[i];i+=1;r|=(c&0x7f)<<s;s+=7
        if c<0x80: return r,i
def fields(b):
    i=0;out=[]
    while i<len(b):
        k,i=varint(b,i);f=k>>3;t=k&7
        if t==0: v,i=varint(b,i)
        elif t==1: v=b[i:i+8];i+=8
        elif t==2:
            l,i=varint(b,i);v=b[i:i+l];i+=l
        elif t==5: v=b[i:i+4];i+=4
        else: raise Exception('wt %d'%t)
        out.append((f,t,v))
    return out
def schema(b):
    s={}
    for f,t,v in fields(b):
        if f==1: s['$ref']=v.decode()
        elif f==21:
            for f2,t2,v2 in fields(v):
                if f2==1: s['additionalProperties']=schema(v2)
        elif f==22:
            s['type']=[x.decode() for f2,t2,x in fields(v) if f2==1]
        elif f==23:
            it=[schema(x) for f2,t2,x in fields(v) if f2==1]
            if it: s['items']=it[0]
        elif f==25:
            props={}
            for f2,t2,v2 in fields(v):
                if f2==1:
                    name=None;val=None
                    for f3,t3,v3 in fields(v2):
                        if f3==1: name=v3.decode()
                        elif f3==2: val=schema(v3)
                    props[name]=val
            s['properties']=props
        elif f==31:
            name=None;y=None
            for f3,t3,v3 in fields(v):
                if f3==1: name=v3.decode()
                elif f3==2:
                    for f4,t4,v4 in fields(v3):
                        if f4==2: y=v4.decode()
            s.setdefault('ext',{})[name]=y
    return s
defs={}
for f,t,v in fields(data):
    if f==9:
        for f2,t2,v2 in fields(v):
            if f2==1:
                name=None;val=None
                for f3,t3,v3 in fields(v2):
                    if f3==1: name=v3.decode()
                    elif f3==2: val=schema(v3)
                defs[name]=val
json.dump(defs,open('/tmp/helperA/defs.json','w'),indent=1)
print(len(defs))
