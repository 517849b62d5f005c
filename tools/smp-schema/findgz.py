import zlib,sys
data=open('/work/main/target/kubectl-venv/bin/kubectl','rb').read()
i=0;found=0
while True:
    i=data.find(b'\x1f\x8b\x08',i)
    if i<0: break
    try:
        d=zlib.decompressobj(16+zlib.MAX_WBITS)
        out=d.decompress(data[i:i+20000000])
        if b'PodSpec' in out and b'patch-strategy' in out:
            print(i,len(out)); open('/tmp/helperA/swagger_%d.bin'%i,'wb').write(out); found+=1
    except Exception as e:
        pass
    i+=1
print('done',found)
